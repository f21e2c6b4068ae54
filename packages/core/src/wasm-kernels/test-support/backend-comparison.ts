import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../register-training-kernels.js';

// Test support, not exported from the package: runs the same computation on the cpu and wasm
// backends so the tests can compare them.

/** Loads the cpu and wasm backends and registers our wasm kernels. */
export async function loadCpuAndWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  // Initialising both now lets `countWasmBuffers` run before the first computation on wasm.
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
}

/** Deterministic values in [−1, 1) from a linear congruential generator. */
export function randomValues(size: number, seed: number): Float32Array {
  const values = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** Runs `compute` on `backendName` and returns its flat float32 results and shapes. */
export async function runOn(
  backendName: 'cpu' | 'wasm',
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await tf.setBackend(backendName);
  const outputs = tf.tidy(() => {
    const result = compute();
    return Array.isArray(result) ? result : [result];
  });
  const values = outputs.map((output) => output.dataSync() as Float32Array);
  const shapes = outputs.map((output) => output.shape);
  tf.dispose(outputs);
  return { values, shapes };
}

/** Returns the largest |actual − expected| divided by the largest |expected| (or by 1 when that is 0). */
export function relativeMaxError(actual: Float32Array, expected: Float32Array): number {
  let maxError = 0;
  let maxMagnitude = 0;
  for (let i = 0; i < expected.length; i++) {
    maxError = Math.max(maxError, Math.abs(actual[i]! - expected[i]!));
    maxMagnitude = Math.max(maxMagnitude, Math.abs(expected[i]!));
  }
  return maxError / (maxMagnitude === 0 ? 1 : maxMagnitude);
}

/** Data buffers the wasm backend holds, tensors or not, so intermediate leaks show too. */
export function countWasmBuffers(): number {
  return (tf.findBackend('wasm') as BackendWasm).numDataIds();
}

// Test helpers: run the same computation on `cpu` and `native` and compare the results.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { nativeBackendStatus, registerNativeBackend } from '../index.js';

const status = nativeBackendStatus();

/** True when the addon loads; native tests are skipped otherwise. */
export const nativeAvailable = status.available;

/** Returns the suite title, with the reason appended when the suite is skipped. */
export function suiteTitle(title: string): string {
  return nativeAvailable ? title : `${title} (skipped: ${status.reason ?? 'native addon unavailable'})`;
}

if (nativeAvailable) registerNativeBackend();

/** Deterministic uniform values in [low, high) (mulberry32), so failures reproduce. */
export function randomValues(count: number, seed: number, low = -1, high = 1): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = low + (high - low) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return values;
}

/** A tensor's shape, dtype and values, read back and detached from any backend. */
export interface TensorSnapshot {
  shape: number[];
  dtype: string;
  values: Float32Array | Int32Array | Uint8Array;
}

/**
 * Runs `compute` on `backendName` and returns snapshots of its outputs. Checks that `compute`
 * leaves no tensor behind once its outputs are disposed.
 */
export async function runOnBackend(
  backendName: 'cpu' | 'native',
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<TensorSnapshot[]> {
  await tf.setBackend(backendName);
  const before = tf.memory().numTensors;
  const result = tf.tidy(compute);
  const outputs = Array.isArray(result) ? result : [result];
  const snapshots = outputs.map((tensor) => ({
    shape: tensor.shape.slice(),
    dtype: tensor.dtype,
    values: tensor.dataSync() as Float32Array | Int32Array | Uint8Array,
  }));
  tf.dispose(outputs);
  expect(tf.memory().numTensors, `tensors leaked on ${backendName}`).toBe(before);
  return snapshots;
}

/**
 * Asserts |actual - expected| <= tolerance * max(1, |expected|) element-wise, the same shape and
 * dtype, and NaN exactly where expected has NaN.
 */
export function expectSnapshotsClose(
  actual: TensorSnapshot[],
  expected: TensorSnapshot[],
  tolerance: number,
): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((output, index) => {
    const reference = expected[index] as TensorSnapshot;
    expect(output.shape, `shape of output ${index}`).toEqual(reference.shape);
    expect(output.dtype, `dtype of output ${index}`).toBe(reference.dtype);
    expect(output.values.length).toBe(reference.values.length);
    let worst = 0;
    let worstIndex = -1;
    let firstNanMismatch: string | undefined;
    for (let i = 0; i < reference.values.length; i++) {
      const want = reference.values[i] as number;
      const got = output.values[i] as number;
      if (Number.isNaN(want) || Number.isNaN(got)) {
        if (Number.isNaN(want) !== Number.isNaN(got) && firstNanMismatch === undefined) {
          firstNanMismatch = `element ${i} is ${got}, cpu gives ${want}`;
        }
        continue;
      }
      if (want === got) continue;
      const error = Math.abs(got - want) / Math.max(1, Math.abs(want));
      if (!(error <= worst)) {
        worst = error;
        worstIndex = i;
      }
    }
    expect(firstNanMismatch, `output ${index}: NaN where cpu has a number or the reverse`).toBeUndefined();
    expect(
      worst,
      `output ${index}: element ${worstIndex} is ${output.values[worstIndex]}, cpu gives ${reference.values[worstIndex]}`,
    ).toBeLessThanOrEqual(tolerance);
  });
}

/** Runs `compute` on both backends and compares the native results with the cpu ones. */
export async function expectNativeMatchesCpu(
  compute: () => tf.Tensor | tf.Tensor[],
  tolerance: number,
): Promise<void> {
  const expected = await runOnBackend('cpu', compute);
  const actual = await runOnBackend('native', compute);
  expectSnapshotsClose(actual, expected, tolerance);
}

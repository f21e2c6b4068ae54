// Test support, left out of the build by tsconfig.build.json.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Activates the pure-JS cpu backend, the reference for exact values. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
}

/** A batch of one 1-channel image [1, H, W, 1] from rows of pixel values. */
export function greyImage(rows: readonly (readonly number[])[]): tf.Tensor4D {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  return tf.tensor4d(rows.flat(), [1, height, width, 1]);
}

/** Rows of the single channel of image 0 of a [N, H, W, 1] batch. */
export function greyRows(images: tf.Tensor4D): number[][] {
  const batch = images.arraySync();
  return (batch[0] ?? []).map((row) => row.map((pixel) => pixel[0] ?? Number.NaN));
}

/**
 * Runs `run`, reads its result, disposes it and checks that no tensor was left behind.
 * Returns the values as nested arrays and the shape and dtype.
 */
export function runWithoutLeaks<T extends tf.Tensor>(
  run: () => T,
): { values: ReturnType<T['arraySync']>; shape: number[]; dtype: string } {
  const before = tf.memory().numTensors;
  const result = run();
  const values = result.arraySync() as ReturnType<T['arraySync']>;
  const shape = [...result.shape];
  const dtype = result.dtype;
  result.dispose();
  expect(tf.memory().numTensors, 'tensors left after the call').toBe(before);
  return { values, shape, dtype };
}

/** Expects two nested arrays of numbers to agree within `tolerance` everywhere. */
export function expectClose(actual: unknown, expected: unknown, tolerance = 1e-6): void {
  const flatActual = flattenNumbers(actual);
  const flatExpected = flattenNumbers(expected);
  expect(flatActual.length, 'number of values').toBe(flatExpected.length);
  flatActual.forEach((value, index) => {
    const wanted = flatExpected[index] ?? Number.NaN;
    if (!(Math.abs(value - wanted) <= tolerance)) {
      expect.fail(`value ${index} is ${value}, expected ${wanted} ± ${tolerance}`);
    }
  });
}

/** The largest absolute difference between two nested arrays of the same shape. */
export function maxAbsDifference(a: unknown, b: unknown): number {
  const flatA = flattenNumbers(a);
  const flatB = flattenNumbers(b);
  return flatA.reduce((max, value, index) => Math.max(max, Math.abs(value - (flatB[index] ?? Number.NaN))), 0);
}

export function flattenNumbers(values: unknown): number[] {
  if (typeof values === 'number') return [values];
  if (Array.isArray(values)) return values.flatMap((value) => flattenNumbers(value));
  throw new Error(`expected numbers or nested arrays of numbers, got ${typeof values}`);
}

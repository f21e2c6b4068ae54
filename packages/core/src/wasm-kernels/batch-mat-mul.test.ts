import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countWasmBuffers, loadCpuAndWasm, randomValues, relativeMaxError, runOn } from './test-support/backend-comparison.js';

interface ProductCase {
  name: string;
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const cases: ProductCase[] = [
  { name: 'aᵀ · b', aShape: [7, 5], bShape: [7, 3], transposeA: true, transposeB: false },
  { name: 'a · bᵀ', aShape: [5, 7], bShape: [3, 7], transposeA: false, transposeB: true },
  { name: 'aᵀ · bᵀ', aShape: [7, 5], bShape: [3, 7], transposeA: true, transposeB: true },
  { name: 'a · b', aShape: [5, 7], bShape: [7, 3], transposeA: false, transposeB: false },
  { name: 'rank 3 batch 1', aShape: [1, 7, 5], bShape: [1, 3, 7], transposeA: true, transposeB: true },
  { name: 'rank 3 batch 2', aShape: [2, 7, 5], bShape: [2, 7, 3], transposeA: true, transposeB: false },
  { name: 'one row', aShape: [7, 1], bShape: [4, 7], transposeA: true, transposeB: true },
];

describe('BatchMatMul on wasm', () => {
  beforeAll(loadCpuAndWasm);

  it.each(cases)('matches cpu: $name', async ({ aShape, bShape, transposeA, transposeB }) => {
    const a = randomValues(tf.util.sizeFromShape(aShape), 11);
    const b = randomValues(tf.util.sizeFromShape(bShape), 12);
    const compute = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB);
    const expected = await runOn('cpu', compute);

    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = countWasmBuffers();
    const actual = await runOn('wasm', compute);

    expect(actual.shapes[0]).toEqual(expected.shapes[0]);
    expect(relativeMaxError(actual.values[0]!, expected.values[0]!)).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(countWasmBuffers()).toBe(buffersBefore);
  });
});

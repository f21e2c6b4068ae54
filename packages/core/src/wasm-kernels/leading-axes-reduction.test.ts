import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countWasmBuffers, loadCpuAndWasm, randomValues, relativeMaxError, runOn } from './test-support/backend-comparison.js';

interface ReductionCase {
  name: string;
  shape: number[];
  axis: number | number[];
  keepDims?: boolean;
  dtype?: 'float32' | 'int32';
}

const cases: ReductionCase[] = [
  { name: 'NHWC over N, H, W', shape: [6, 5, 4, 3], axis: [0, 1, 2] },
  { name: 'NHWC over N, H, W kept', shape: [6, 5, 4, 3], axis: [0, 1, 2], keepDims: true },
  { name: 'unsorted negative axes', shape: [6, 5, 4, 3], axis: [1, -4, 2] },
  { name: 'first axis only', shape: [9, 4], axis: 0 },
  { name: 'every axis', shape: [3, 4, 5], axis: [0, 1, 2] },
  { name: 'every axis kept', shape: [3, 4, 5], axis: [0, 1, 2], keepDims: true },
  { name: 'trailing axes', shape: [6, 5, 4], axis: [1, 2] },
  { name: 'middle axis', shape: [6, 5, 4], axis: 1 },
  { name: 'leading axis of size one', shape: [1, 5, 4], axis: 0 },
  { name: 'int32', shape: [4, 3], axis: 0, dtype: 'int32' },
];

function valuesFor({ shape, dtype }: ReductionCase): Float32Array {
  return randomValues(tf.util.sizeFromShape(shape), 8).map((value) => (dtype === 'int32' ? Math.round(value * 9) : value));
}

describe.each([
  { reduction: 'sum', reduce: tf.sum },
  { reduction: 'mean', reduce: tf.mean },
])('$reduction on wasm', ({ reduce }) => {
  beforeAll(loadCpuAndWasm);

  it.each(cases)('matches cpu: $name', async (testCase) => {
    const values = valuesFor(testCase);
    const compute = () => reduce(tf.tensor(values, testCase.shape, testCase.dtype ?? 'float32'), testCase.axis, testCase.keepDims);
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

describe('sum on wasm over many elements', () => {
  beforeAll(loadCpuAndWasm);

  it('agrees with a float64 sum', async () => {
    // 64·28·28 positions per channel, as the first stage of the ResNet reduces at batch 64.
    const shape = [64, 28, 28, 2];
    const values = randomValues(tf.util.sizeFromShape(shape), 9).map((value) => value + 0.25);
    const reference = new Float32Array(2);
    const sums = [0, 0];
    values.forEach((value, index) => {
      sums[index % 2]! += value;
    });
    reference.set(sums);

    const actual = await runOn('wasm', () => tf.sum(tf.tensor(values, shape), [0, 1, 2]));
    expect(relativeMaxError(actual.values[0]!, reference)).toBeLessThan(1e-5);
  });
});

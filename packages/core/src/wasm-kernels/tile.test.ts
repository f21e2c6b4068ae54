import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { planBroadcast } from './tile.js';
import { countWasmBuffers, loadCpuAndWasm, randomValues, runOn } from './test-support/backend-comparison.js';

interface TileCase {
  name: string;
  shape: number[];
  reps: number[];
  dtype?: 'float32' | 'int32';
}

const cases: TileCase[] = [
  { name: 'batch-norm scale to NHWC', shape: [1, 1, 1, 5], reps: [3, 4, 2, 1] },
  { name: 'every axis repeated', shape: [2, 3], reps: [3, 2] },
  { name: 'no repetition', shape: [2, 3, 4], reps: [1, 1, 1] },
  { name: 'size-one axes only', shape: [1, 1], reps: [2, 3] },
  { name: 'scalar-like vector', shape: [1], reps: [7] },
  { name: 'alternating axes', shape: [2, 1, 3, 1], reps: [1, 2, 2, 3] },
  { name: 'six broadcast axes', shape: [2, 3, 2], reps: [3, 2, 2] },
  { name: 'more than six broadcast axes', shape: [2, 2, 2, 2], reps: [2, 2, 2, 2] },
  { name: 'int32', shape: [2, 1, 3], reps: [2, 3, 1], dtype: 'int32' },
];

describe('Tile on wasm', () => {
  beforeAll(loadCpuAndWasm);

  it.each(cases)('matches cpu exactly: $name', async ({ shape, reps, dtype }) => {
    const source = randomValues(tf.util.sizeFromShape(shape), 7).map((value) => (dtype === 'int32' ? Math.round(value * 9) : value));
    const compute = () => tf.tile(tf.tensor(source, shape, dtype ?? 'float32'), reps);
    const expected = await runOn('cpu', compute);

    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = countWasmBuffers();
    const actual = await runOn('wasm', compute);

    expect(actual.shapes[0]).toEqual(shape.map((size, axis) => size * reps[axis]!));
    expect(Array.from(actual.values[0]!)).toEqual(Array.from(expected.values[0]!));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(countWasmBuffers()).toBe(buffersBefore);
  });

  it('keeps NaN, infinities and negative zero', async () => {
    await tf.setBackend('wasm');
    const tiled = tf.tile(tf.tensor([Number.NaN, Infinity, -Infinity, -0], [1, 4]), [2, 1]);
    const values = Array.from(tiled.dataSync());
    expect(values.slice(0, 4)).toEqual([Number.NaN, Infinity, -Infinity, -0]);
    expect(Object.is(values[7], -0)).toBe(true);
    tiled.dispose();
  });
});

describe('planBroadcast', () => {
  it('merges neighbouring axes of one kind', () => {
    expect(planBroadcast([1, 1, 1, 16], [256, 28, 28, 1])).toEqual({ inShape: [1, 16], onesShape: [200704, 1] });
  });

  it('splits an axis that is both repeated and copied', () => {
    expect(planBroadcast([2, 3], [3, 2])).toEqual({ inShape: [1, 2, 1, 3], onesShape: [3, 1, 2, 1] });
  });

  it('drops axes of size one', () => {
    expect(planBroadcast([1, 4, 1], [1, 1, 1])).toEqual({ inShape: [4], onesShape: [1] });
  });
});

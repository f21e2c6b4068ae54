import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DataError, RandomSource, type ImageSet } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEpochRandom, iterateBatches, toImageTensor } from './batching.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function makeSet(count: number, height = 1, width = 1, channels = 1): ImageSet {
  const size = height * width * channels;
  return {
    images: Uint8Array.from({ length: count * size }, (_, i) => i % 256),
    labels: new Int32Array(count),
    count,
    height,
    width,
    channels,
    classNames: ['a'],
  };
}

function epochBatches(set: ImageSet, batchSize: number, seed: number, epoch: number, dropLast = false): number[][] {
  return [...iterateBatches(set, batchSize, createEpochRandom(seed, epoch), { dropLast })].map((batch) => [...batch]);
}

describe('iterateBatches', () => {
  it('covers every index once', () => {
    const batches = epochBatches(makeSet(10), 4, 1, 0);
    expect(batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('drops a short last batch', () => {
    const batches = epochBatches(makeSet(10), 4, 1, 0, true);
    expect(batches.map((batch) => batch.length)).toEqual([4, 4]);
    expect(new Set(batches.flat()).size).toBe(8);
  });

  it('depends only on seed and epoch', () => {
    const set = makeSet(50);
    expect(epochBatches(set, 8, 42, 3)).toEqual(epochBatches(set, 8, 42, 3));
    expect(epochBatches(set, 8, 42, 3)).not.toEqual(epochBatches(set, 8, 42, 4));
    expect(epochBatches(set, 8, 42, 3)).not.toEqual(epochBatches(set, 8, 43, 3));
  });

  it('shuffles the order', () => {
    const order = epochBatches(makeSet(50), 50, 5, 0)[0] ?? [];
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it('rejects a bad batch size', () => {
    expect(() => [...iterateBatches(makeSet(4), 0, RandomSource.fromSeed(1), { dropLast: false })]).toThrow(RangeError);
  });

  it('rejects a set smaller than one batch with dropLast', () => {
    const run = () => [...iterateBatches(makeSet(3), 4, RandomSource.fromSeed(1), { dropLast: true })];
    expect(run).toThrow(DataError);
    expect(run).toThrow('the set has 3 images, fewer than one batch of 4');
  });
});

describe('createEpochRandom', () => {
  it('repeats the same draws', () => {
    const first = createEpochRandom(7, 2);
    const second = createEpochRandom(7, 2);
    const draws = (random: RandomSource) => Array.from({ length: 5 }, () => random.integer(0, 1000));
    expect(draws(first)).toEqual(draws(second));
  });
});

describe('toImageTensor', () => {
  it('scales pixels to [0, 1] in index order', () => {
    const set: ImageSet = { ...makeSet(2, 2, 1, 1), images: new Uint8Array([0, 51, 102, 255]) };
    const before = tf.memory().numTensors;
    const tensor = toImageTensor(set, [1, 0]);
    expect(tensor.shape).toEqual([2, 2, 1, 1]);
    expect(tensor.dtype).toBe('float32');
    const values = [...tensor.dataSync()];
    tensor.dispose();
    expect(values[0]).toBeCloseTo(0.4, 6);
    expect(values[1]).toBeCloseTo(1, 6);
    expect(values[2]).toBeCloseTo(0, 6);
    expect(values[3]).toBeCloseTo(0.2, 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps channels last', () => {
    // One 1×2 image with 3 channels: pixel (0, 1) channel 2 is byte 5.
    const set: ImageSet = { ...makeSet(1, 1, 2, 3), images: new Uint8Array([0, 0, 0, 0, 0, 255]) };
    const tensor = toImageTensor(set, [0]);
    expect(tensor.shape).toEqual([1, 1, 2, 3]);
    expect(tensor.arraySync()[0]?.[0]?.[1]).toEqual([0, 0, 1]);
    tensor.dispose();
  });

  it('rejects an index out of range', () => {
    const before = tf.memory().numTensors;
    expect(() => toImageTensor(makeSet(2), [0, 2])).toThrow('toImageTensor: index 2 at position 1 is outside [0, 2)');
    expect(tf.memory().numTensors).toBe(before);
  });
});

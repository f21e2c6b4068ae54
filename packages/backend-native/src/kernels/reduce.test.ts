import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

// Sums of up to 10^5 terms: the addon accumulates in double like the cpu backend, but in a
// different order; 1e-5 relative leaves room for that and would still catch a missed row.
const TOLERANCE = 1e-5;

const REDUCTIONS: [string, (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor][] = [
  ['Sum', (x, axes, keepDims) => tf.sum(x, axes, keepDims)],
  ['Mean', (x, axes, keepDims) => tf.mean(x, axes, keepDims)],
  ['Max', (x, axes, keepDims) => tf.max(x, axes, keepDims)],
  ['Min', (x, axes, keepDims) => tf.min(x, axes, keepDims)],
];

const AXES: [string, number[], number[], boolean][] = [
  ['batch-norm axes [0, 1, 2]', [16, 6, 6, 8], [0, 1, 2], false],
  ['global pooling axes [1, 2]', [16, 6, 6, 8], [1, 2], false],
  ['last axis', [16, 6, 6, 8], [3], true],
  ['every axis', [16, 6, 6, 8], [0, 1, 2, 3], false],
  // The next two exceed native/common.h's kParallelThreshold (2^19 elements), so threads split them.
  ['axis 0 of a long matrix', [200_000, 3], [0], false],
  ['axis 1 of two long rows', [2, 300_000], [1], true],
  ['batch-norm axes, large', [64, 32, 32, 8], [0, 1, 2], false],
  ['negative axis', [4, 5, 6], [-1], false],
];

describe.skipIf(!nativeAvailable)(suiteTitle('native reductions'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  describe.each(REDUCTIONS)('%s', (kernelName, reduce) => {
    it.each(AXES)('matches cpu: %s', async (_, shape, axes, keepDims) => {
      await expectNativeMatchesCpu(() => {
        const x = tf.tensor(randomValues(shape.reduce((p, d) => p * d, 1), 5), shape);
        return reduce(x, axes, keepDims);
      }, TOLERANCE);
      expect(cpuFallbacks()).not.toContain(kernelName);
    });

    it('hands non-adjacent axes to the cpu kernel', async () => {
      await expectNativeMatchesCpu(() => reduce(tf.tensor(randomValues(24, 6), [2, 3, 4]), [0, 2], false), TOLERANCE);
      expect(cpuFallbacks()).toContain(kernelName);
    });
  });

  it('computes per-channel sums worked out by hand', async () => {
    await tf.setBackend('native');
    // [2, 1, 1, 2]: channel 0 contains 1 and 3, channel 1 contains 2 and 4.
    const [sum, mean] = tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2]);
      return [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2], true)];
    }) as [tf.Tensor, tf.Tensor];
    expect(sum.shape).toEqual([2]);
    expect(Array.from(sum.dataSync())).toEqual([4, 6]);
    expect(mean.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(mean.dataSync())).toEqual([2, 3]);
    tf.dispose([sum, mean]);
  });

  it('propagates NaN in max', async () => {
    await expectNativeMatchesCpu(() => tf.max(tf.tensor2d([[1, NaN, 3], [4, 5, 6]]), 1), 0);
  });
});

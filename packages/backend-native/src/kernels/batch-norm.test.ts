import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

// One multiply-add per element with factors folded in double: a few float32 roundings apart.
const TOLERANCE = 1e-5;

describe.skipIf(!nativeAvailable)(suiteTitle('native FusedBatchNorm (tf.batchNorm)'), () => {
  const cpuFallbacks = watchCpuFallbacks();
  const channels = 6;
  const x = (): tf.Tensor4D => tf.tensor4d(randomValues(4 * 5 * 5 * channels, 12, -3, 3), [4, 5, 5, channels]);
  const vector = (seed: number, low: number, high: number): tf.Tensor1D => tf.tensor1d(randomValues(channels, seed, low, high));

  it('matches cpu with offset and scale', async () => {
    await expectNativeMatchesCpu(() => tf.batchNorm(x(), vector(1, -1, 1), vector(2, 0.1, 2), vector(3, -1, 1), vector(4, 0.5, 2), 1e-3), TOLERANCE);
    expect(cpuFallbacks()).not.toContain('FusedBatchNorm');
  });

  it('matches cpu without offset and scale', async () => {
    await expectNativeMatchesCpu(() => tf.batchNorm(x(), vector(1, -1, 1), vector(2, 0.1, 2)), TOLERANCE);
    expect(cpuFallbacks()).not.toContain('FusedBatchNorm');
  });

  it('matches cpu with parameters shaped [1, 1, 1, C]', async () => {
    await expectNativeMatchesCpu(
      () => tf.batchNorm(x(), tf.reshape(vector(1, -1, 1), [1, 1, 1, channels]), tf.reshape(vector(2, 0.1, 2), [1, 1, 1, channels])),
      TOLERANCE,
    );
    expect(cpuFallbacks()).not.toContain('FusedBatchNorm');
  });

  it('matches cpu above the threading threshold', async () => {
    await expectNativeMatchesCpu(() => {
      const large = tf.tensor4d(randomValues(64 * 32 * 32 * channels, 13), [64, 32, 32, channels]);
      return tf.batchNorm(large, vector(1, -1, 1), vector(2, 0.1, 2), vector(3, -1, 1), vector(4, 0.5, 2));
    }, TOLERANCE);
  });

  it('normalises values worked out by hand', async () => {
    await tf.setBackend('native');
    // (x - 1) * 2 / sqrt(3 + 1) + 0.5 = x - 0.5
    const y = tf.tidy(() => tf.batchNorm(tf.tensor2d([[1], [3]]), tf.tensor1d([1]), tf.tensor1d([3]), tf.tensor1d([0.5]), tf.tensor1d([2]), 1));
    expect(Array.from(y.dataSync())).toEqual([0.5, 2.5]);
    y.dispose();
  });

  it('hands full-size parameters to the cpu kernel', async () => {
    await expectNativeMatchesCpu(() => tf.batchNorm(x(), tf.zeros([4, 5, 5, channels]), tf.ones([4, 5, 5, channels])), TOLERANCE);
    expect(cpuFallbacks()).toContain('FusedBatchNorm');
  });
});

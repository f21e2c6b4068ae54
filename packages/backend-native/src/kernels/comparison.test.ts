import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

const OPS: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['Equal', tf.equal],
  ['NotEqual', tf.notEqual],
  ['Greater', tf.greater],
  ['GreaterEqual', tf.greaterEqual],
  ['Less', tf.less],
  ['LessEqual', tf.lessEqual],
];

// Rounding to a grid of 0.5 makes equal pairs common.
const floats = (shape: number[], seed: number): tf.Tensor =>
  tf.tensor(randomValues(shape.reduce((p, d) => p * d, 1), seed, -2, 2).map((v) => Math.round(v * 2) / 2), shape);
const ints = (shape: number[], seed: number): tf.Tensor =>
  tf.tensor(Array.from(randomValues(shape.reduce((p, d) => p * d, 1), seed, -3, 3), Math.round), shape, 'int32');

describe.skipIf(!nativeAvailable)(suiteTitle('native comparisons'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  describe.each(OPS)('%s', (kernelName, op) => {
    it('matches cpu on float32 with broadcasting', async () => {
      await expectNativeMatchesCpu(() => [op(floats([6, 1], 1), floats([1, 7], 2)), op(floats([4, 5, 3], 3), floats([3], 4))], 0);
      expect(cpuFallbacks()).not.toContain(kernelName);
    });

    it('matches cpu on int32 labels', async () => {
      // The pairwise same-label mask of a contrastive loss: labels [V, 1] against [1, V].
      await expectNativeMatchesCpu(() => op(tf.reshape(ints([256], 5), [256, 1]), tf.reshape(ints([256], 5), [1, 256])), 0);
      expect(cpuFallbacks()).not.toContain(kernelName);
    });
  });

  it('treats NaN as unequal to everything', async () => {
    await expectNativeMatchesCpu(() => {
      const a = tf.tensor1d([NaN, NaN, 1]);
      const b = tf.tensor1d([NaN, 1, NaN]);
      return [tf.equal(a, b), tf.notEqual(a, b), tf.greater(a, b), tf.lessEqual(a, b)];
    }, 0);
  });

  it('compares values worked out by hand', async () => {
    await tf.setBackend('native');
    const mask = tf.tidy(() => tf.equal(tf.tensor2d([[1], [2]], [2, 1], 'int32'), tf.tensor2d([[1, 2, 1]], [1, 3], 'int32')));
    expect(mask.shape).toEqual([2, 3]);
    expect(mask.dtype).toBe('bool');
    expect(Array.from(mask.dataSync())).toEqual([1, 0, 1, 0, 1, 0]);
    mask.dispose();
  });

  it('hands bool inputs to the cpu kernel', async () => {
    await expectNativeMatchesCpu(() => tf.equal(tf.tensor1d([1, 0], 'bool'), tf.tensor1d([1, 1], 'bool')), 0);
    expect(cpuFallbacks()).toContain('Equal');
  });
});

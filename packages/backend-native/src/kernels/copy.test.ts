import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

describe.skipIf(!nativeAvailable)(suiteTitle('native Tile, Transpose, Slice and PadV2'), () => {
  const cpuFallbacks = watchCpuFallbacks();
  const x = (): tf.Tensor4D => tf.tensor4d(randomValues(2 * 3 * 4 * 5, 9), [2, 3, 4, 5]);
  const ints = (): tf.Tensor3D => tf.tensor3d(Array.from({ length: 24 }, (_, i) => i - 7), [2, 3, 4], 'int32');

  it.each([
    ['per-channel vector over NHWC', [1, 1, 1, 5], [2, 3, 4, 1]],
    ['every axis', [2, 3, 4, 5], [2, 1, 3, 2]],
    ['no repetition', [2, 3, 4, 5], [1, 1, 1, 1]],
  ])('Tile matches cpu: %s', async (_, shape, reps) => {
    await expectNativeMatchesCpu(() => {
      const size = shape.reduce((p, d) => p * d, 1);
      return tf.tile(tf.tensor(randomValues(size, 8), shape), reps);
    }, 0);
    expect(cpuFallbacks()).not.toContain('Tile');
  });

  it.each([
    ['NHWC to NCHW', [0, 3, 1, 2]],
    ['reverse', [3, 2, 1, 0]],
    ['identity', [0, 1, 2, 3]],
    ['swap batch and height', [1, 0, 2, 3]],
  ])('Transpose matches cpu: %s', async (_, perm) => {
    await expectNativeMatchesCpu(() => tf.transpose(x(), perm), 0);
    expect(cpuFallbacks()).not.toContain('Transpose');
  });

  it('Transpose matches cpu above the threading threshold', async () => {
    await expectNativeMatchesCpu(() => tf.transpose(tf.tensor4d(randomValues(64 * 32 * 32 * 8, 14), [64, 32, 32, 8]), [0, 3, 1, 2]), 0);
    expect(cpuFallbacks()).not.toContain('Transpose');
  });

  it('Slice matches cpu on a strided window', async () => {
    await expectNativeMatchesCpu(() => tf.slice(x(), [0, 1, 1, 2], [2, 2, 3, 3]), 0);
    expect(cpuFallbacks()).not.toContain('Slice');
  });

  it('contiguous Slice uses the cpu view', async () => {
    await expectNativeMatchesCpu(() => tf.slice(x(), [1, 0, 0, 0], [1, 3, 4, 5]), 0);
    expect(cpuFallbacks()).toContain('Slice');
  });

  it.each([
    ['spatial 1-pixel border', [[0, 0], [1, 1], [1, 1], [0, 0]], 0],
    ['asymmetric with a constant', [[1, 0], [0, 2], [3, 1], [0, 1]], -1.5],
  ] as [string, [number, number][], number][])('PadV2 matches cpu: %s', async (_, paddings, constant) => {
    await expectNativeMatchesCpu(() => tf.pad(x(), paddings, constant), 0);
    expect(cpuFallbacks()).not.toContain('PadV2');
  });

  it('gradient of pad (a slice) matches cpu', async () => {
    await expectNativeMatchesCpu(() => {
      const weights = tf.tensor4d(randomValues(2 * 5 * 6 * 5, 10), [2, 5, 6, 5]);
      return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.pad(input, [[0, 0], [1, 1], [1, 1], [0, 0]]), weights)))(x());
    }, 0);
  });

  it('copies int32 tensors natively', async () => {
    await expectNativeMatchesCpu(
      () => [tf.transpose(ints(), [2, 0, 1]), tf.tile(ints(), [1, 2, 1]), tf.slice(ints(), [0, 1, 1], [2, 2, 2]), tf.pad(ints(), [[0, 0], [1, 0], [0, 1]], 9)],
      0,
    );
    for (const kernel of ['Transpose', 'Tile', 'Slice', 'PadV2']) expect(cpuFallbacks()).not.toContain(kernel);
  });

  it('transposes a 2x3 matrix worked out by hand', async () => {
    await tf.setBackend('native');
    const t = tf.tidy(() => tf.transpose(tf.tensor2d([[1, 2, 3], [4, 5, 6]])));
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
    t.dispose();
  });

  it('hands bool tensors to the cpu kernels', async () => {
    await expectNativeMatchesCpu(() => tf.transpose(tf.tensor2d([[1, 0, 1], [0, 0, 1]], [2, 3], 'bool')), 0);
    expect(cpuFallbacks()).toContain('Transpose');
  });
});

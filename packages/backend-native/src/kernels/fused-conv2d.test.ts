import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

const TOLERANCE = 1e-4;

const tensor = (shape: number[], seed: number): tf.Tensor => tf.tensor(randomValues(shape.reduce((p, d) => p * d, 1), seed), shape);

describe.skipIf(!nativeAvailable)(suiteTitle('native FusedConv2D'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  it.each(['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const)(
    'bias and %s match cpu',
    async (activation) => {
      await expectNativeMatchesCpu(
        () => tf.fused.conv2d({
          x: tensor([2, 7, 7, 3], 1) as tf.Tensor4D,
          filter: tensor([3, 3, 3, 4], 2) as tf.Tensor4D,
          strides: 2,
          pad: 'same',
          bias: tensor([4], 3),
          activation,
          leakyreluAlpha: 0.1,
        }),
        TOLERANCE,
      );
      expect(cpuFallbacks()).not.toContain('FusedConv2D');
    },
  );

  it('without bias matches cpu', async () => {
    await expectNativeMatchesCpu(
      () => tf.fused.conv2d({ x: tensor([1, 5, 5, 2], 4) as tf.Tensor4D, filter: tensor([1, 1, 2, 3], 5) as tf.Tensor4D, strides: 1, pad: 'valid', activation: 'relu' }),
      TOLERANCE,
    );
    expect(cpuFallbacks()).not.toContain('FusedConv2D');
  });

  it('gradients through bias and relu match cpu', async () => {
    await expectNativeMatchesCpu(() => {
      const upstream = tensor([2, 6, 6, 4], 6);
      const gradients = tf.grads((x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor) =>
        tf.sum(tf.mul(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' }), upstream)),
      );
      return gradients([tensor([2, 6, 6, 3], 7), tensor([3, 3, 3, 4], 8), tensor([4], 9)]);
    }, TOLERANCE);
  });

  it('hands a scalar bias to the cpu kernel', async () => {
    await expectNativeMatchesCpu(
      () => tf.fused.conv2d({ x: tensor([1, 4, 4, 2], 10) as tf.Tensor4D, filter: tensor([3, 3, 2, 3], 11) as tf.Tensor4D, strides: 1, pad: 'same', bias: tf.scalar(0.5) }),
      TOLERANCE,
    );
    expect(cpuFallbacks()).toContain('FusedConv2D');
  });
});

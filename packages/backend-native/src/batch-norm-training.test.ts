import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchNormTraining } from './index.js';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from './test-support/compare-backends.js';

// The fused kernels sum per channel over N*H*W values in a different order than tf.moments and
// fold the normalisation into one multiply-add; 1e-4 relative covers that.
const TOLERANCE = 1e-4;

const tensor = (shape: number[], seed: number, low = -2, high = 2): tf.Tensor =>
  tf.tensor(randomValues(shape.reduce((p, d) => p * d, 1), seed, low, high), shape);

type Variant = [string, number[], 'linear' | 'relu', boolean];

const VARIANTS: Variant[] = [
  ['NHWC, linear', [4, 5, 5, 6], 'linear', false],
  ['NHWC, relu', [4, 5, 5, 6], 'relu', false],
  ['NHWC, residual and relu', [4, 5, 5, 6], 'relu', true],
  ['NHWC, residual without relu', [3, 4, 4, 5], 'linear', true],
  ['[N, C] features, relu', [32, 7], 'relu', false],
  // 2^19 elements, native/common.h's kParallelThreshold: both OpenMP threads work.
  ['large, split across threads', [64, 16, 16, 32], 'relu', true],
];

describe.skipIf(!nativeAvailable)(suiteTitle('batchNormTraining'), () => {
  it.each(VARIANTS)('values match cpu composition: %s', async (_, shape, activation, withResidual) => {
    await expectNativeMatchesCpu(() => {
      const channels = shape[shape.length - 1] as number;
      const { y, mean, variance } = batchNormTraining(tensor(shape, 1, -1, 3), tensor([channels], 2, 0.5, 1.5) as tf.Tensor1D, tensor([channels], 3) as tf.Tensor1D, {
        epsilon: 1e-5,
        activation,
        residual: withResidual ? tensor(shape, 4) : undefined,
      });
      return [y, mean, variance];
    }, TOLERANCE);
  });

  it.each(VARIANTS)('gradients match cpu composition: %s', async (_, shape, activation, withResidual) => {
    await expectNativeMatchesCpu(() => {
      const channels = shape[shape.length - 1] as number;
      const upstream = tensor(shape, 5);
      const inputs = [tensor(shape, 6, -1, 3), tensor([channels], 7, 0.5, 1.5), tensor([channels], 8)];
      if (withResidual) inputs.push(tensor(shape, 9));
      const gradients = tf.grads((...args: tf.Tensor[]) => {
        const [x, gamma, beta, residual] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor | undefined];
        const { y } = batchNormTraining(x, gamma, beta, { epsilon: 1e-5, activation, residual });
        return tf.sum(tf.mul(y, upstream));
      });
      return gradients(inputs);
    }, TOLERANCE);
  });

  it('runs the fused kernels on native', async () => {
    await tf.setBackend('native');
    const x = tensor([2, 3, 3, 4], 10);
    const gamma = tf.ones([4]) as tf.Tensor1D;
    const beta = tf.zeros([4]) as tf.Tensor1D;
    const profile = await tf.profile(() => {
      const grads = tf.grads((input: tf.Tensor) => tf.sum(batchNormTraining(input, gamma, beta, { epsilon: 1e-5 }).y))([x]);
      tf.dispose(grads);
    });
    const kernels = profile.kernels.map((kernel) => kernel.name);
    expect(kernels).toContain('CsiBatchNormStatistics');
    expect(kernels).toContain('CsiBatchNormForward');
    expect(kernels).toContain('CsiBatchNormBackward');
    expect(kernels).not.toContain('FusedBatchNorm');
    tf.dispose([x, gamma, beta]);
  });

  it('normalises a column worked out by hand', async () => {
    await tf.setBackend('native');
    // Values 1 and 3: mean 2, biased variance 1, so with epsilon 0 the output is -1 and 1, and
    // relu keeps only the 1.
    const [y, mean, variance] = tf.tidy(() => {
      const result = batchNormTraining(tf.tensor2d([[1], [3]]), tf.ones([1]) as tf.Tensor1D, tf.zeros([1]) as tf.Tensor1D, {
        epsilon: 0,
        activation: 'relu',
      });
      return [result.y, result.mean, result.variance];
    }) as [tf.Tensor, tf.Tensor, tf.Tensor];
    expect(y.shape).toEqual([2, 1]);
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.dataSync())).toEqual([0, 1]);
    expect(Array.from(mean.dataSync())).toEqual([2]);
    expect(Array.from(variance.dataSync())).toEqual([1]);
    tf.dispose([y, mean, variance]);
  });

  it('keeps variance accurate at large offset', async () => {
    await tf.setBackend('native');
    // 1000 + {0, 1, 2, 3}: variance 1.25; summing squares of 1000-ish values in float32
    // without centring would lose it.
    const values = Array.from({ length: 4000 }, (_, i) => 1000 + (i % 4));
    const { y, mean, variance } = batchNormTraining(tf.tensor2d(values, [4000, 1]), tf.ones([1]) as tf.Tensor1D, tf.zeros([1]) as tf.Tensor1D, { epsilon: 0 });
    expect(mean.dataSync()[0]).toBeCloseTo(1001.5, 3);
    expect(variance.dataSync()[0]).toBeCloseTo(1.25, 4);
    tf.dispose([y, mean, variance]);
  });
});

describe('batchNormTraining argument checks', () => {
  it('names every mismatched argument and its shape', async () => {
    await tf.setBackend('cpu');
    const x = tf.zeros([2, 3, 3, 4]);
    const call = (): unknown =>
      batchNormTraining(x, tf.ones([3]) as tf.Tensor1D, tf.zeros([4, 1]) as unknown as tf.Tensor1D, { epsilon: 1e-5, residual: tf.zeros([2, 3, 3, 5]) });
    expect(call).toThrow(/batchNormTraining/);
    expect(call).toThrow(/gamma must be \[4\]; got \[3\]/);
    expect(call).toThrow(/beta must be \[4\]; got \[4, 1\]/);
    expect(call).toThrow(/residual must have x's shape \[2, 3, 3, 4\]; got \[2, 3, 3, 5\]/);
    tf.disposeVariables();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

// Dot products of up to 64 float32 terms summed in another order than the cpu backend.
const TOLERANCE = 1e-5;

const tensor = (shape: number[], seed: number): tf.Tensor => tf.tensor(randomValues(shape.reduce((p, d) => p * d, 1), seed), shape);

const CASES: [string, number[], number[], boolean, boolean][] = [
  ['plain 2-D', [7, 5], [5, 3], false, false],
  ['transposeA', [5, 7], [5, 3], true, false],
  ['transposeB', [7, 5], [3, 5], false, true],
  ['both transposed', [5, 7], [3, 5], true, true],
  ['batched 3-D', [4, 6, 8], [4, 8, 2], false, false],
  ['batch broadcast of b', [4, 6, 8], [1, 8, 2], false, false],
  ['batch broadcast of a, transposed', [1, 8, 6], [3, 2, 8], true, true],
  ['similarity matrix 64x32 by its transpose', [64, 32], [64, 32], false, true],
];

describe.skipIf(!nativeAvailable)(suiteTitle('native BatchMatMul and _FusedMatMul'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  it.each(CASES)('matMul matches cpu: %s', async (_, aShape, bShape, transposeA, transposeB) => {
    await expectNativeMatchesCpu(() => tf.matMul(tensor(aShape, 1), tensor(bShape, 2), transposeA, transposeB), TOLERANCE);
    expect(cpuFallbacks()).not.toContain('BatchMatMul');
  });

  it.each(['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const)(
    'fused matMul with bias and %s matches cpu',
    async (activation) => {
      await expectNativeMatchesCpu(
        () => tf.fused.matMul({ a: tensor([9, 6], 3), b: tensor([6, 4], 4), bias: tensor([4], 5), activation, leakyreluAlpha: 0.1 }),
        TOLERANCE,
      );
      expect(cpuFallbacks()).not.toContain('_FusedMatMul');
    },
  );

  it('gradients of a dense layer match cpu', async () => {
    await expectNativeMatchesCpu(() => {
      const x = tensor([16, 12], 6);
      const weights = tensor([12, 5], 7);
      const bias = tensor([5], 8);
      const upstream = tensor([16, 5], 9);
      const gradients = tf.grads((input: tf.Tensor, kernel: tf.Tensor, offset: tf.Tensor) =>
        tf.sum(tf.mul(tf.fused.matMul({ a: input as tf.Tensor2D, b: kernel as tf.Tensor2D, bias: offset, activation: 'relu' }), upstream)),
      );
      return gradients([x, weights, bias]);
    }, TOLERANCE);
  });

  it('multiplies 2x2 matrices worked out by hand', async () => {
    await tf.setBackend('native');
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])));
    expect(product.shape).toEqual([2, 2]);
    expect(Array.from(product.dataSync())).toEqual([19, 22, 43, 50]);
    product.dispose();
  });

  it('hands prelu to the cpu kernel', async () => {
    await expectNativeMatchesCpu(
      () => tf.fused.matMul({ a: tensor([3, 4], 10), b: tensor([4, 2], 11), activation: 'prelu', preluActivationWeights: tensor([2], 12) }),
      TOLERANCE,
    );
    expect(cpuFallbacks()).toContain('_FusedMatMul');
  });

  it('rejects mismatched inner sizes', async () => {
    await tf.setBackend('native');
    expect(() => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 2]))).toThrow(/inner/i);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchNormTraining } from './index.js';
import { nativeAvailable, randomValues, runOnBackend, suiteTitle } from './test-support/compare-backends.js';
import { watchCpuFallbacks } from './test-support/fallback-spy.js';

// Three SGD steps from identical weights on `native` and on `cpu` must give the same losses.
// Per-kernel differences are ~1e-6; three steps of learning rate 0.1 amplify them a little.
const LOSS_TOLERANCE = 1e-3;

const STEPS = 3;

/**
 * A tiny raw-ops conv net (conv, batch norm, relu, stride-2 conv, batch norm, relu, global mean,
 * dense, softmax cross-entropy) trained for STEPS steps of SGD; returns the losses as a tensor.
 */
function trainTinyNet(useFusedBatchNorm: boolean): tf.Tensor {
  const images = tf.tensor4d(randomValues(8 * 8 * 8 * 2, 1), [8, 8, 8, 2]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  const variable = (shape: number[], seed: number, scale: number): tf.Variable =>
    tf.variable(tf.mul(tf.tensor(randomValues(shape.reduce((p, d) => p * d, 1), seed), shape), scale));
  const weights = {
    conv1: variable([3, 3, 2, 4], 2, 0.5),
    gamma1: tf.variable(tf.ones([4])),
    beta1: tf.variable(tf.zeros([4])),
    conv2: variable([3, 3, 4, 6], 3, 0.4),
    gamma2: tf.variable(tf.ones([6])),
    beta2: tf.variable(tf.zeros([6])),
    dense: variable([6, 3], 4, 0.5),
    bias: tf.variable(tf.zeros([3])),
  };
  const normalise = (x: tf.Tensor4D, gamma: tf.Variable, beta: tf.Variable): tf.Tensor4D => {
    if (useFusedBatchNorm) {
      const { y, mean, variance } = batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, { epsilon: 1e-5, activation: 'relu' });
      tf.dispose([mean, variance]);
      return y;
    }
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.relu(tf.batchNorm(x, mean, variance, beta, gamma, 1e-5)) as tf.Tensor4D;
  };
  const loss = (): tf.Scalar => {
    let x = normalise(tf.conv2d(images, weights.conv1 as tf.Tensor4D, 1, 'same'), weights.gamma1, weights.beta1);
    x = normalise(tf.conv2d(x, weights.conv2 as tf.Tensor4D, 2, 'same'), weights.gamma2, weights.beta2);
    const logits = tf.add(tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, weights.dense), weights.bias);
    return tf.losses.softmaxCrossEntropy(labels, logits);
  };

  const optimizer = tf.train.sgd(0.1);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const value = optimizer.minimize(loss, true) as tf.Scalar;
    losses.push(value.dataSync()[0] as number);
    value.dispose();
  }
  optimizer.dispose();
  tf.dispose([images, labels, ...Object.values(weights)]);
  return tf.tensor1d(losses);
}

describe.skipIf(!nativeAvailable)(suiteTitle('training a tiny conv net'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  it.each([
    ['tf.moments + tf.batchNorm', false],
    ['batchNormTraining', true],
  ])('gives the losses of cpu for %s', async (_, fused) => {
    const [cpu] = await runOnBackend('cpu', () => trainTinyNet(fused));
    const [native] = await runOnBackend('native', () => trainTinyNet(fused));
    const cpuLosses = Array.from(cpu?.values ?? []);
    const nativeLosses = Array.from(native?.values ?? []);
    expect(nativeLosses).toHaveLength(STEPS);
    cpuLosses.forEach((expected, step) => {
      const actual = nativeLosses[step] as number;
      expect(Math.abs(actual - expected) / Math.abs(expected), `step ${step}: native ${actual}, cpu ${expected}`).toBeLessThan(LOSS_TOLERANCE);
    });
    // Learning happened: the last loss is below the first.
    expect(nativeLosses[STEPS - 1]).toBeLessThan(nativeLosses[0] as number);
    const heavyKernels = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'FusedBatchNorm', 'Multiply', 'Sum', 'Mean'];
    expect(cpuFallbacks().filter((name) => heavyKernels.includes(name))).toEqual([]);
  });
});

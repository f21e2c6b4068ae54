import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

// float32 libm results (expf, tanhf, ...) differ from the cpu backend's double-then-round by a
// few units in the last place.
const TOLERANCE = 1e-6;

const OPS: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['Neg', tf.neg],
  ['Square', tf.square],
  ['Sqrt', tf.sqrt],
  ['Rsqrt', tf.rsqrt],
  ['Exp', tf.exp],
  ['Log', tf.log],
  ['Abs', tf.abs],
  ['Reciprocal', tf.reciprocal],
  ['Relu', tf.relu],
  ['Relu6', tf.relu6],
  ['LeakyRelu', (x) => tf.leakyRelu(x, 0.3)],
  ['Elu', tf.elu],
  ['Sigmoid', tf.sigmoid],
  ['Step', (x) => tf.step(x, 0.25)],
  ['Tanh', tf.tanh],
  ['ClipByValue', (x) => tf.clipByValue(x, -0.5, 6.5)],
];

describe.skipIf(!nativeAvailable)(suiteTitle('native unary ops'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  it.each(OPS)('%s matches cpu, NaN and edge values included', async (kernelName, op) => {
    await expectNativeMatchesCpu(() => {
      const edges = [0, -0, 1, -1, 6, 7, -7, NaN, Infinity, -Infinity];
      // More than native/common.h's kParallelThreshold (2^19 elements), so threads split the work.
      const values = new Float32Array(edges.length + 600_000);
      values.set(edges);
      values.set(randomValues(600_000, 3, -8, 8), edges.length);
      return op(tf.tensor1d(values));
    }, TOLERANCE);
    expect(cpuFallbacks()).not.toContain(kernelName);
  });

  it('computes relu and step worked out by hand', async () => {
    await tf.setBackend('native');
    const [relu, step] = tf.tidy(() => {
      const x = tf.tensor2d([[-2, 0], [0.5, 3]]);
      return [tf.relu(x), tf.step(x, 0.5)];
    }) as [tf.Tensor, tf.Tensor];
    expect(relu.shape).toEqual([2, 2]);
    expect(Array.from(relu.dataSync())).toEqual([0, 0, 0.5, 3]);
    expect(Array.from(step.dataSync())).toEqual([0.5, 0.5, 1, 1]);
    tf.dispose([relu, step]);
  });

  it('hands int32 input to the cpu kernel', async () => {
    await expectNativeMatchesCpu(() => tf.neg(tf.tensor1d([1, -2, 3], 'int32')), 0);
    expect(cpuFallbacks()).toContain('Neg');
  });
});

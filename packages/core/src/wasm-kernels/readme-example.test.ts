import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerGradients, registerWasmTrainingKernels } from '@csi/core';
import { describe, expect, it } from 'vitest';

describe('README usage', () => {
  it('trains a filter on wasm', async () => {
    await registerGradients();
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');

    // d/dW Σ conv(x, W) with x all ones [1, 3, 3, 1] and a 2×2 filter: each tap sees 4 pixels.
    const x = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const gradient = tf.grad((filter: tf.Tensor) => tf.sum(tf.conv2d(x, filter as tf.Tensor4D, 1, 'valid')));
    const dW = gradient(tf.zeros([2, 2, 1, 1]));
    expect(dW.shape).toEqual([2, 2, 1, 1]);
    expect(Array.from(dW.dataSync())).toEqual([4, 4, 4, 4]);
    tf.dispose([x, dW]);
  });
});

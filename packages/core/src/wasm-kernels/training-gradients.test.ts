import * as tf from '@tensorflow/tfjs-core';
// Imported after tfjs-core. Imported first, the gradient modules load before tfjs-core binds the
// tensor methods (clone, which the gradient of Cast calls), and the gradient of tf.moments fails.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from './register-training-kernels.js';
import { countWasmBuffers, loadCpuAndWasm, randomValues, relativeMaxError, runOn } from './test-support/backend-comparison.js';

/** Shapes of a small ResNet-like network: a stride-1 stem, a stride-2 block and a 1×1 shortcut. */
const shapes = {
  images: [3, 9, 9, 2],
  stem: [3, 3, 2, 4],
  down: [3, 3, 4, 6],
  shortcut: [1, 1, 4, 6],
  head: [6, 5],
} as const;

function batchNormalize(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  // The gradient of tf.batchNorm in tfjs-core 4.22 fails without a scale tensor.
  const channels = x.shape[3];
  return tf.batchNorm(x, mean, variance, tf.fill([channels], 0.1), tf.fill([channels], 1.5), 1e-5) as tf.Tensor4D;
}

/** Computes a scalar loss of the images [N, H, W, C] through the network, and its gradients. */
function lossAndGradients(values: Record<keyof typeof shapes, Float32Array>): tf.Tensor[] {
  const inputs = Object.entries(shapes).map(([name, shape]) =>
    tf.tensor(values[name as keyof typeof shapes], [...shape]),
  );
  const loss = (images: tf.Tensor, stem: tf.Tensor, down: tf.Tensor, shortcut: tf.Tensor, head: tf.Tensor) => {
    const features = tf.relu(batchNormalize(tf.conv2d(images as tf.Tensor4D, stem as tf.Tensor4D, 1, 'same')));
    const residual = tf.conv2d(features, down as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const skipped = tf.conv2d(features, shortcut as tf.Tensor4D, 2, 'valid');
    const pooled = tf.mean(tf.relu(tf.add(batchNormalize(residual), skipped)), [1, 2]);
    return tf.sum(tf.square(tf.matMul(pooled as tf.Tensor2D, head as tf.Tensor2D)));
  };
  const { value, grads } = tf.valueAndGrads(loss as (...args: tf.Tensor[]) => tf.Scalar)(inputs);
  return [value, ...grads];
}

describe('gradients of a small conv net on wasm', () => {
  beforeAll(loadCpuAndWasm);

  it('match cpu for the loss, the input and every filter', async () => {
    const values = Object.fromEntries(
      Object.entries(shapes).map(([name, shape], index) => [name, randomValues(tf.util.sizeFromShape([...shape]), 20 + index)]),
    ) as Record<keyof typeof shapes, Float32Array>;
    const expected = await runOn('cpu', () => lossAndGradients(values));

    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = countWasmBuffers();
    const actual = await runOn('wasm', () => lossAndGradients(values));

    expect(actual.shapes).toEqual([[], ...Object.values(shapes)]);
    actual.values.forEach((result, index) => {
      expect(relativeMaxError(result, expected.values[index]!), `output ${index}`).toBeLessThan(1e-4);
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(countWasmBuffers()).toBe(buffersBefore);
  });

  it('keeps the shipped kernels as fallback when registered again', async () => {
    const kernelNames = [
      tf.Conv2DBackpropFilter,
      tf.Conv2DBackpropInput,
      tf.Tile,
      tf.Sum,
      tf.Mean,
      tf.BatchMatMul,
      tf.Identity,
      tf.Cast,
    ];
    const before = kernelNames.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    registerWasmTrainingKernels();
    const after = kernelNames.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    expect(after).toEqual(before);

    // int32 Tile and an NCHW input gradient take the shipped kernels.
    await tf.setBackend('wasm');
    const tiled = tf.tile(tf.tensor([1, 2], [1, 2], 'int32'), [2, 1]);
    expect(Array.from(tiled.dataSync())).toEqual([1, 2, 1, 2]);
    const dx = tf.conv2dTranspose(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, tf.ones([1, 1, 1, 1]) as tf.Tensor4D, [1, 2, 2, 1], 1, 'valid');
    expect(Array.from(dx.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose([tiled, dx]);
  });
});

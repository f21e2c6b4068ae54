import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { RandomSource } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyConv, createConv } from './conv.js';
import { NetworkVariables } from './network-variables.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A 4×4 single-channel image with x[r][c] = 4·r + c.
let IMAGE: tf.Tensor4D;

beforeAll(() => {
  IMAGE = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
});

function onesKernel(size: 1 | 3, stride: 1 | 2) {
  const variables = new NetworkVariables();
  const layer = createConv(variables, 'conv', { kernelSize: size, inChannels: 1, outChannels: 1, stride }, RandomSource.fromSeed(0));
  const ones = tf.ones([size, size, 1, 1]);
  layer.kernel.assign(ones);
  ones.dispose();
  return { variables, layer };
}

describe('applyConv', () => {
  it('pads a stride-2 3×3 conv by 1 on every side', () => {
    // PyTorch's padding=1, stride 2 centres windows on rows and columns 0 and 2:
    // out[0][0] = x[0..1][0..1] = 0+1+4+5, out[0][1] = x[0..1][1..3] = 1+2+3+5+6+7,
    // out[1][0] = x[1..3][0..1] = 4+5+8+9+12+13, out[1][1] = x[1..3][1..3] = 5+6+7+9+10+11+13+14+15.
    const { variables, layer } = onesKernel(3, 2);
    const output = applyConv(IMAGE, layer);
    expect(output.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(output.dataSync())).toEqual([10, 24, 51, 90]);
    output.dispose();
    variables.dispose();
  });

  it('keeps the size with a stride-1 3×3 conv', () => {
    const { variables, layer } = onesKernel(3, 1);
    const output = applyConv(IMAGE, layer);
    expect(output.shape).toEqual([1, 4, 4, 1]);
    // Corner (0, 0): 0+1+4+5; centre (1, 1): 0+1+2+4+5+6+8+9+10.
    expect(output.dataSync()[0]).toBe(10);
    expect(output.dataSync()[5]).toBe(45);
    output.dispose();
    variables.dispose();
  });

  it('samples even positions with a stride-2 1×1 conv', () => {
    const { variables, layer } = onesKernel(1, 2);
    const output = applyConv(IMAGE, layer);
    expect(output.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(output.dataSync())).toEqual([0, 2, 8, 10]);
    output.dispose();
    variables.dispose();
  });

  it('gives ceil(H / 2) for odd sizes', () => {
    const { variables, layer } = onesKernel(3, 2);
    const image = tf.ones([2, 7, 7, 1]) as tf.Tensor4D;
    const output = applyConv(image, layer);
    expect(output.shape).toEqual([2, 4, 4, 1]);
    tf.dispose([image, output]);
    variables.dispose();
  });

  it('leaks no tensors', () => {
    const { variables, layer } = onesKernel(3, 2);
    const before = tf.memory().numTensors;
    applyConv(IMAGE, layer).dispose();
    expect(tf.memory().numTensors).toBe(before);
    variables.dispose();
  });
});

describe('createConv', () => {
  it('draws Kaiming-normal fan_out weights', () => {
    // fan_out = 64 · 3 · 3 = 576, so the standard deviation is √(2 / 576) ≈ 0.0589. With 36 864
    // draws the sample deviation is within 2 % of it with overwhelming probability.
    const variables = new NetworkVariables();
    const layer = createConv(variables, 'stage1.block0.conv1', { kernelSize: 3, inChannels: 64, outChannels: 64, stride: 1 }, RandomSource.fromSeed(3));
    expect(layer.kernel.shape).toEqual([3, 3, 64, 64]);
    expect(layer.kernel.dtype).toBe('float32');
    expect([...variables.trainable.keys()]).toEqual(['stage1.block0.conv1.kernel']);
    const { mean, variance } = tf.moments(layer.kernel);
    expect(Math.abs(mean.dataSync()[0]!)).toBeLessThan(0.002);
    expect(Math.abs(Math.sqrt(variance.dataSync()[0]!) / Math.sqrt(2 / 576) - 1)).toBeLessThan(0.02);
    tf.dispose([mean, variance]);
    variables.dispose();
  });
});

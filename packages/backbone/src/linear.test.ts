import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { RandomSource } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLinear, createLinear } from './linear.js';
import { NetworkVariables } from './network-variables.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createLinear', () => {
  it('draws kernel and bias uniformly within ±1/√fan_in', () => {
    const variables = new NetworkVariables();
    const layer = createLinear(variables, 'projectionHead.linear1', 64, 512, RandomSource.fromSeed(5));
    expect(layer.kernel.shape).toEqual([64, 512]);
    expect(layer.bias.shape).toEqual([512]);
    expect([...variables.trainable.keys()]).toEqual(['projectionHead.linear1.kernel', 'projectionHead.linear1.bias']);
    const bound = 1 / 8;
    const kernel = Array.from(layer.kernel.dataSync());
    const largest = Math.max(...kernel.map(Math.abs));
    expect(largest).toBeLessThanOrEqual(bound);
    // 32 768 uniform draws: the largest magnitude is within 0.1 % of the bound almost surely.
    expect(largest).toBeGreaterThan(bound * 0.999);
    const bias = Array.from(layer.bias.dataSync());
    expect(bias.every((value) => Math.abs(value) <= bound)).toBe(true);
    expect(bias.some((value) => value !== bias[0])).toBe(true);
    variables.dispose();
  });
});

describe('applyLinear', () => {
  it('computes x·W + b with an optional ReLU', () => {
    const variables = new NetworkVariables();
    const layer = createLinear(variables, 'head', 2, 2, RandomSource.fromSeed(0));
    const kernel = tf.tensor2d([
      [1, -1],
      [2, 0.5],
    ]);
    const bias = tf.tensor1d([0.5, -3]);
    layer.kernel.assign(kernel);
    layer.bias.assign(bias);
    const x = tf.tensor2d([[1, 2]]);
    // [1, 2]·W = [1 + 4, −1 + 1] = [5, 0]; plus b = [5.5, −3].
    const linear = applyLinear(x, layer);
    const relu = applyLinear(x, layer, 'relu');
    expect(Array.from(linear.dataSync())).toEqual([5.5, -3]);
    expect(Array.from(relu.dataSync())).toEqual([5.5, 0]);
    tf.dispose([kernel, bias, x, linear, relu]);
    variables.dispose();
  });
});

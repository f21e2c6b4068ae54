import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBatchNorm, createBatchNorm, type BatchNormLayer } from './batch-norm.js';
import { NetworkVariables } from './network-variables.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// x [N=2, H=1, W=1, C=2]: channel 0 contains 1 and 3 (mean 2, biased variance 1, unbiased 2),
// channel 1 contains 0 and 4 (mean 2, biased variance 4, unbiased 8).
const INPUT = [
  [[[1, 0]]],
  [[[3, 4]]],
];

function makeLayer(): { variables: NetworkVariables; layer: BatchNormLayer } {
  const variables = new NetworkVariables();
  const layer = createBatchNorm(variables, 'bn', 2);
  assignValues(layer.gamma, [1, 2]);
  assignValues(layer.beta, [0, 1]);
  return { variables, layer };
}

function assignValues(variable: tf.Variable, values: number[]): void {
  const tensor = tf.tensor1d(values);
  variable.assign(tensor);
  tensor.dispose();
}

function flatten(tensor: tf.Tensor): number[] {
  return Array.from(tensor.dataSync());
}

describe('applyBatchNorm', () => {
  it('creates gamma 1, beta 0, mean 0, variance 1', () => {
    const variables = new NetworkVariables();
    const layer = createBatchNorm(variables, 'stem.bn', 3);
    expect(flatten(layer.gamma)).toEqual([1, 1, 1]);
    expect(flatten(layer.beta)).toEqual([0, 0, 0]);
    expect(flatten(layer.runningMean)).toEqual([0, 0, 0]);
    expect(flatten(layer.runningVariance)).toEqual([1, 1, 1]);
    expect([...variables.trainable.keys()]).toEqual(['stem.bn.gamma', 'stem.bn.beta']);
    expect([...variables.state.keys()]).toEqual(['stem.bn.runningMean', 'stem.bn.runningVariance']);
    expect(layer.gamma.trainable).toBe(true);
    expect(layer.runningMean.trainable).toBe(false);
    variables.dispose();
  });

  it('normalises with batch statistics in training', () => {
    const { variables, layer } = makeLayer();
    const x = tf.tensor4d(INPUT);
    const y = applyBatchNorm(x, layer, true);
    const s0 = Math.sqrt(1 + 1e-5);
    const s1 = Math.sqrt(4 + 1e-5);
    expect(y.shape).toEqual([2, 1, 1, 2]);
    expect(y.dtype).toBe('float32');
    const expected = [-1 / s0, (-2 / s1) * 2 + 1, 1 / s0, (2 / s1) * 2 + 1];
    flatten(y).forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
    tf.dispose([x, y]);
    variables.dispose();
  });

  it('updates running statistics by the PyTorch formula', () => {
    const { variables, layer } = makeLayer();
    const x = tf.tensor4d(INPUT);
    tf.dispose(applyBatchNorm(x, layer, true));
    // mean: 0.9 · 0 + 0.1 · 2; variance: 0.9 · 1 + 0.1 · unbiased (2 and 8).
    const mean = flatten(layer.runningMean);
    const variance = flatten(layer.runningVariance);
    expect(mean[0]).toBeCloseTo(0.2, 6);
    expect(mean[1]).toBeCloseTo(0.2, 6);
    expect(variance[0]).toBeCloseTo(1.1, 6);
    expect(variance[1]).toBeCloseTo(1.7, 6);

    tf.dispose(applyBatchNorm(x, layer, true));
    // A second update: 0.9 · 0.2 + 0.1 · 2 and 0.9 · 1.1 + 0.1 · 2, 0.9 · 1.7 + 0.1 · 8.
    expect(flatten(layer.runningMean)[0]).toBeCloseTo(0.38, 6);
    expect(flatten(layer.runningVariance)[0]).toBeCloseTo(1.19, 6);
    expect(flatten(layer.runningVariance)[1]).toBeCloseTo(2.33, 6);
    x.dispose();
    variables.dispose();
  });

  it('uses running statistics in evaluation and keeps them', () => {
    const { variables, layer } = makeLayer();
    assignValues(layer.runningMean, [0.2, 0.2]);
    assignValues(layer.runningVariance, [1.1, 1.7]);
    const x = tf.tensor4d(INPUT);
    const y = applyBatchNorm(x, layer, false);
    const s0 = Math.sqrt(1.1 + 1e-5);
    const s1 = Math.sqrt(1.7 + 1e-5);
    const expected = [0.8 / s0, (-0.2 / s1) * 2 + 1, 2.8 / s0, (3.8 / s1) * 2 + 1];
    flatten(y).forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
    expect(flatten(layer.runningMean)).toEqual([Math.fround(0.2), Math.fround(0.2)]);
    expect(flatten(layer.runningVariance)).toEqual([Math.fround(1.1), Math.fround(1.7)]);
    tf.dispose([x, y]);
    variables.dispose();
  });

  it('normalises rank-2 input per column', () => {
    const { variables, layer } = makeLayer();
    const x = tf.tensor2d([
      [1, 0],
      [3, 4],
    ]);
    const y = applyBatchNorm(x, layer, true);
    expect(y.shape).toEqual([2, 2]);
    expect(flatten(y)[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 6);
    expect(flatten(layer.runningVariance)[1]).toBeCloseTo(1.7, 6);
    tf.dispose([x, y]);
    variables.dispose();
  });

  it('gives the batch-norm gradient through the batch statistics', () => {
    // For y = γ·x̂ + β with batch statistics, Σ_n dy/dx_n = 0 for any upstream gradient, and
    // dL/dx = γ/σ · (g − mean(g) − x̂ · mean(g · x̂)) with g the upstream gradient.
    const { variables, layer } = makeLayer();
    const x = tf.tensor4d([[[[1, 0]]], [[[3, 4]]], [[[2, -2]]]]);
    const upstream = tf.tensor4d([[[[0.5, 1]]], [[[-1, 2]]], [[[3, 0]]]]);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(applyBatchNorm(input as tf.Tensor4D, layer, true), upstream)))(x);

    const values = [
      [1, 3, 2],
      [0, 4, -2],
    ];
    const upstreamValues = [
      [0.5, -1, 3],
      [1, 2, 0],
    ];
    const gammas = [1, 2];
    const actual = flatten(gradient);
    for (let channel = 0; channel < 2; channel++) {
      const xs = values[channel]!;
      const gs = upstreamValues[channel]!;
      const mean = xs.reduce((a, b) => a + b) / 3;
      const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
      const sigma = Math.sqrt(variance + 1e-5);
      const normalised = xs.map((value) => (value - mean) / sigma);
      const meanG = gs.reduce((a, b) => a + b) / 3;
      const meanGX = gs.reduce((a, g, i) => a + g * normalised[i]!, 0) / 3;
      for (let n = 0; n < 3; n++) {
        const expected = (gammas[channel]! / sigma) * (gs[n]! - meanG - normalised[n]! * meanGX);
        expect(actual[n * 2 + channel]).toBeCloseTo(expected, 5);
      }
    }
    tf.dispose([x, upstream, gradient]);
    variables.dispose();
  });

  it('rejects one value per channel in training', () => {
    const { variables, layer } = makeLayer();
    const x = tf.tensor4d([[[[1, 2]]]]);
    let error: unknown;
    try {
      applyBatchNorm(x, layer, true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ShapeError);
    const message = (error as Error).message;
    expect(message).toContain('bn:');
    expect(message).toContain('[1, 1, 1, 2]');
    expect(message).toContain('N·H·W = 1');
    expect(message).toContain('at least 2 images');
    // Evaluation mode needs no batch statistics, so one image is fine there.
    const y = applyBatchNorm(x, layer, false);
    expect(y.shape).toEqual([1, 1, 1, 2]);
    tf.dispose([x, y]);
    variables.dispose();
  });

  it('leaks no tensors', () => {
    const { variables, layer } = makeLayer();
    const x = tf.tensor4d(INPUT);
    const before = tf.memory().numTensors;
    tf.dispose(applyBatchNorm(x, layer, true));
    tf.dispose(applyBatchNorm(x, layer, false));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    variables.dispose();
  });
});

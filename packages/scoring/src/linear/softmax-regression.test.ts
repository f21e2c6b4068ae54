import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { RunError } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  computeLogits,
  disposeSoftmaxRegression,
  trainSoftmaxRegression,
  type AdamSettings,
} from './softmax-regression.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ONE_STEP: AdamSettings = { epochs: 1, batchSize: 100, learningRate: 0.01, weightDecay: 0, seed: 0 };

describe('trainSoftmaxRegression', () => {
  it('standardises each dimension and keeps a constant one at scale 1', () => {
    // Dimension 0: values 1, 3 → mean 2, population std 1. Dimension 1: 5, 5 → mean 5, std 0 → 1.
    const rows = tf.tensor2d([
      [1, 5],
      [3, 5],
    ]);
    const model = trainSoftmaxRegression(rows, Int32Array.from([0, 1]), 2, ONE_STEP);

    expect(Array.from(model.mean.dataSync())).toEqual([2, 5]);
    expect(Array.from(model.scale.dataSync())).toEqual([1, 1]);
    disposeSoftmaxRegression(model);
    rows.dispose();
  });

  it('takes one Adam step along the closed-form gradient', () => {
    // Rows x = 1, 3 standardise to −1, 1, targets 0 and 1, J = 2, W = 0 and b = 0 at the start.
    // P = ½ everywhere, P − Y = [[−½, ½], [½, −½]], so dW = Xᵀ(P − Y)/2 = [[½, −½]] and db = [0, 0].
    // Adam's first step moves each weight by lr · g / (|g| + ε) ≈ lr · sign(g) and leaves a zero
    // gradient's weight at 0: W = [[−0.01, 0.01]], b = [0, 0].
    const rows = tf.tensor2d([[1], [3]]);
    const model = trainSoftmaxRegression(rows, Int32Array.from([0, 1]), 2, ONE_STEP);
    const weights = model.weights.arraySync();

    expect(model.weights.shape).toEqual([1, 2]);
    expect(model.bias.shape).toEqual([2]);
    expect(weights[0]![0]).toBeCloseTo(-0.01, 7);
    expect(weights[0]![1]).toBeCloseTo(0.01, 7);
    expect(Array.from(model.bias.dataSync())).toEqual([0, 0]);
    disposeSoftmaxRegression(model);
    rows.dispose();
  });

  it('computes logits of standardised rows', () => {
    // With W = [[−0.01, 0.01]] and b = 0 from the step above, x = 3 standardises to 1 and gives
    // logits (−0.01, 0.01); x = 0 standardises to −2 and gives (0.02, −0.02).
    const rows = tf.tensor2d([[1], [3]]);
    const model = trainSoftmaxRegression(rows, Int32Array.from([0, 1]), 2, ONE_STEP);
    const queries = tf.tensor2d([[3], [0]]);
    const logits = computeLogits(model, queries);

    expect(logits.shape).toEqual([2, 2]);
    expect(logits.dtype).toBe('float32');
    const values = logits.arraySync();
    expect(values[0]![0]).toBeCloseTo(-0.01, 7);
    expect(values[0]![1]).toBeCloseTo(0.01, 7);
    expect(values[1]![0]).toBeCloseTo(0.02, 7);
    expect(values[1]![1]).toBeCloseTo(-0.02, 7);
    tf.dispose([rows, queries, logits]);
    disposeSoftmaxRegression(model);
  });

  it('shrinks the weights with weight decay', () => {
    const rows = tf.tensor2d([[1], [2], [3], [4]]);
    const targets = Int32Array.from([0, 0, 1, 1]);
    const settings = { ...ONE_STEP, epochs: 200, learningRate: 0.05 };
    const free = trainSoftmaxRegression(rows, targets, 2, settings);
    const decayed = trainSoftmaxRegression(rows, targets, 2, { ...settings, weightDecay: 1 });

    const freeSize = Math.abs(free.weights.dataSync()[0]!);
    const decayedSize = Math.abs(decayed.weights.dataSync()[0]!);
    expect(decayedSize).toBeLessThan(freeSize / 2);
    expect(decayedSize).toBeGreaterThan(0);
    disposeSoftmaxRegression(free);
    disposeSoftmaxRegression(decayed);
    rows.dispose();
  });

  it('leaks no tensors', () => {
    const rows = tf.tensor2d([[1], [2], [3], [4], [5]]);
    const before = tf.memory().numTensors;
    const model = trainSoftmaxRegression(rows, Int32Array.from([0, 1, 0, 1, 2]), 3, { ...ONE_STEP, epochs: 3, batchSize: 2 });

    expect(tf.memory().numTensors).toBe(before + 4);
    disposeSoftmaxRegression(model);
    expect(tf.memory().numTensors).toBe(before);
    rows.dispose();
  });

  it('rejects weights that diverge to NaN', () => {
    const rows = tf.tensor2d([[1], [Number.NaN]]);
    const before = tf.memory().numTensors;
    const call = (): unknown => trainSoftmaxRegression(rows, Int32Array.from([0, 1]), 2, ONE_STEP);

    expect(call).toThrow(RunError);
    expect(call).toThrow('training produced NaN or infinite weights (learning rate 0.01)');
    expect(call).toThrow('lower learningRate');
    expect(tf.memory().numTensors).toBe(before);
    rows.dispose();
  });
});

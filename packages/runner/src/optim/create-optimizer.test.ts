import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamOptimizer } from './adam.js';
import { createOptimizer } from './create-optimizer.js';
import { LarsOptimizer } from './lars.js';
import { SgdOptimizer } from './sgd.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createOptimizer', () => {
  it.each([
    { name: 'sgd' as const, type: SgdOptimizer },
    { name: 'lars' as const, type: LarsOptimizer },
    { name: 'adam' as const, type: AdamOptimizer },
  ])('creates $name', ({ name, type }) => {
    const optimizer = createOptimizer({ name, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-6, trustCoefficient: 0.001 });
    expect(optimizer).toBeInstanceOf(type);
    expect(optimizer.name).toBe(name);
    optimizer.dispose();
  });

  it('passes the spec values to LARS', () => {
    // One step on p = [3, 4], g = [0, 2] with η = 0.001, wd = 0.1 moves p by [0.0006, 0.0048] at lr 1.
    const optimizer = createOptimizer({ name: 'lars', learningRate: 1, momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001 });
    const variable = tf.variable(tf.tensor1d([3, 4]));
    const gradient = tf.tensor1d([0, 2]);
    optimizer.applyGradients(new Map([['w', gradient]]), new Map([['w', variable]]), 1);
    const actual = Array.from(variable.dataSync());
    expect(actual[0]).toBeCloseTo(2.9994, 6);
    expect(actual[1]).toBeCloseTo(3.9952, 6);
    tf.dispose([variable, gradient]);
    optimizer.dispose();
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '@csi/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdamOptimizer } from './adam.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const owned: { dispose(): void }[] = [];
afterEach(() => {
  for (const item of owned.splice(0)) item.dispose();
});

function own<T extends { dispose(): void }>(item: T): T {
  owned.push(item);
  return item;
}

function values(tensor: tf.Tensor | undefined): number[] {
  return Array.from(tensor!.dataSync());
}

describe('AdamOptimizer', () => {
  it('moves lr · sign(g) on the first step', () => {
    // Bias correction makes m̂ = g and v̂ = g², so the step is lr · g / (|g| + ε).
    const optimizer = own(new AdamOptimizer({ weightDecay: 0 }));
    const variable = own(tf.variable(tf.tensor1d([1, -2, 0.5])));
    const grads = new Map([['w', own(tf.tensor1d([0.5, -3, 1e-3]))]]);
    optimizer.applyGradients(grads, new Map([['w', variable]]), 0.01);
    const actual = values(variable);
    [0.99, -1.99, 0.49].forEach((expected, i) => expect(actual[i]).toBeCloseTo(expected, 6));
  });

  it('follows PyTorch on the second step', () => {
    // p = 1, g1 = 1, g2 = −1, lr = 0.1, wd = 0.
    // Step 1: m = 0.1, v = 0.001, p = 1 − 0.1 · 1/(1 + 1e-8) ≈ 0.9.
    // Step 2: m = 0.09 − 0.1 = −0.01, v = 0.000999 + 0.001 = 0.001999;
    //   m̂ = −0.01 / 0.19, √v̂ = √(0.001999 / 0.001999) = 1 → p ≈ 0.9 + 0.1 · 0.0526316.
    const optimizer = own(new AdamOptimizer({ weightDecay: 0 }));
    const variable = own(tf.variable(tf.tensor1d([1])));
    const map = new Map([['w', variable]]);
    optimizer.applyGradients(new Map([['w', own(tf.tensor1d([1]))]]), map, 0.1);
    optimizer.applyGradients(new Map([['w', own(tf.tensor1d([-1]))]]), map, 0.1);
    expect(values(variable)[0]).toBeCloseTo(0.9 + 0.1 * (0.01 / 0.19), 6);
    const state = optimizer.getState();
    expect(values(state.get('firstMoment/w'))[0]).toBeCloseTo(-0.01, 7);
    expect(values(state.get('secondMoment/w'))[0]).toBeCloseTo(0.001999, 8);
    expect(state.get('step/w')!.dtype).toBe('int32');
    expect(values(state.get('step/w'))).toEqual([2]);
    tf.dispose([...state.values()]);
  });

  it('adds L2 weight decay to the gradient', () => {
    // g + wd · p = 0 when g = −wd · p, so the first step leaves p where it is.
    const optimizer = own(new AdamOptimizer({ weightDecay: 0.5 }));
    const variable = own(tf.variable(tf.tensor1d([2])));
    optimizer.applyGradients(new Map([['w', own(tf.tensor1d([-1]))]]), new Map([['w', variable]]), 0.1);
    expect(values(variable)[0]).toBeCloseTo(2, 6);
  });

  it('gives the same next step after a state round trip', () => {
    const first = own(new AdamOptimizer({ weightDecay: 1e-4 }));
    const second = own(new AdamOptimizer({ weightDecay: 1e-4 }));
    const original = own(tf.variable(tf.tensor1d([0.5, -1, 2])));
    first.applyGradients(new Map([['w', own(tf.tensor1d([0.1, 0.2, -0.3]))]]), new Map([['w', original]]), 0.01);
    const state = first.getState();
    expect([...state.keys()].sort()).toEqual(['firstMoment/w', 'secondMoment/w', 'step/w']);
    second.setState(state);
    tf.dispose([...state.values()]);

    const copy = own(tf.variable(tf.clone(original)));
    const next = new Map([['w', own(tf.tensor1d([-0.2, 0.1, 0.05]))]]);
    first.applyGradients(next, new Map([['w', original]]), 0.01);
    second.applyGradients(next, new Map([['w', copy]]), 0.01);
    expect(values(copy)).toEqual(values(original));
  });

  it('rejects a step that is not a count', () => {
    const optimizer = own(new AdamOptimizer({ weightDecay: 0 }));
    const state = new Map([['step/w', own(tf.scalar(0.5))]]);
    let error: unknown;
    try {
      optimizer.setState(state);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain('"step/w" must be a scalar step count ≥ 1');
    expect((error as Error).message).toContain('value 0.5');
  });

  it('leaks no tensors', () => {
    const optimizer = new AdamOptimizer({ weightDecay: 0.1 });
    const variable = own(tf.variable(tf.tensor1d([1, 2])));
    const grads = new Map([['w', own(tf.tensor1d([0.1, -0.2]))]]);
    const before = tf.memory().numTensors;
    optimizer.applyGradients(grads, new Map([['w', variable]]), 0.01);
    optimizer.applyGradients(grads, new Map([['w', variable]]), 0.01);
    expect(tf.memory().numTensors).toBe(before + 2); // the two moments
    const state = optimizer.getState();
    optimizer.setState(state);
    tf.dispose([...state.values()]);
    expect(tf.memory().numTensors).toBe(before + 2);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

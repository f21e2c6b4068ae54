import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { SpecError } from '@csi/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LarsOptimizer, computeTrustRatio } from './lars.js';

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

function expectClose(actual: number[], expected: number[], digits = 6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, digits));
}

// p = [3, 4] (‖p‖ = 5), g = [0, 2] (‖g‖ = 2), η = 0.001, wd = 0.1:
// ratio = 0.001 · 5 / (2 + 0.1 · 5 + 1e-8) = 0.002; scaled g = (g + wd·p) · ratio = [0.3, 2.4] · 0.002.
describe('computeTrustRatio', () => {
  it('follows torchlars on a known vector', () => {
    const parameter = own(tf.tensor1d([3, 4]));
    const gradient = own(tf.tensor1d([0, 2]));
    const ratio = own(computeTrustRatio(parameter, gradient, { weightDecay: 0.1, trustCoefficient: 0.001, epsilon: 1e-8 }));
    expect(ratio.shape).toEqual([]);
    expect(ratio.dtype).toBe('float32');
    expect(ratio.dataSync()[0]).toBeCloseTo(0.002, 9);
  });

  it('is 1 when a norm is 0', () => {
    const zero = own(tf.zeros([2]));
    const gradient = own(tf.tensor1d([0, 2]));
    const options = { weightDecay: 0.1, trustCoefficient: 0.001, epsilon: 1e-8 };
    expect(own(computeTrustRatio(zero, gradient, options)).dataSync()[0]).toBe(1);
    expect(own(computeTrustRatio(gradient, zero, options)).dataSync()[0]).toBe(1);
  });
});

describe('LarsOptimizer', () => {
  it('scales the decayed gradient by the trust ratio', () => {
    const optimizer = own(new LarsOptimizer({ momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001 }));
    const kernel = own(tf.variable(tf.tensor2d([[3, 4]])));
    const grads = new Map([['kernel', own(tf.tensor2d([[0, 2]]))]]);
    optimizer.applyGradients(grads, new Map([['kernel', kernel]]), 1);
    // p − lr · buf with buf = [0.0006, 0.0048] on the first step.
    expectClose(values(kernel), [2.9994, 3.9952]);
    const state = optimizer.getState();
    expectClose(values(state.get('momentumBuffer/kernel')), [0.0006, 0.0048], 9);
    tf.dispose([...state.values()]);
  });

  it('adapts biases unless told to exclude them', () => {
    // The authors' torchlars setup adapts every parameter, rank-1 ones included.
    const adaptAll = own(new LarsOptimizer({ momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001 }));
    const excluding = own(new LarsOptimizer({ momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001, excludeBiasAndNorm: true }));
    const adapted = own(tf.variable(tf.tensor1d([3, 4])));
    const plain = own(tf.variable(tf.tensor1d([3, 4])));
    const grads = new Map([['bias', own(tf.tensor1d([0, 2]))]]);
    adaptAll.applyGradients(grads, new Map([['bias', adapted]]), 1);
    excluding.applyGradients(grads, new Map([['bias', plain]]), 1);
    expectClose(values(adapted), [2.9994, 3.9952]);
    // Excluded: plain momentum SGD without weight decay, p − 1 · g.
    expectClose(values(plain), [3, 2]);
  });

  it('gives the same next step after a state round trip', () => {
    const options = { momentum: 0.9, weightDecay: 1e-6, trustCoefficient: 0.001 };
    const first = own(new LarsOptimizer(options));
    const second = own(new LarsOptimizer(options));
    const original = own(tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]])));
    first.applyGradients(new Map([['w', own(tf.tensor2d([[0.1, 0.2], [-0.3, 0.4]]))]]), new Map([['w', original]]), 1);
    const state = first.getState();
    second.setState(state);
    tf.dispose([...state.values()]);

    const copy = own(tf.variable(tf.clone(original)));
    const next = new Map([['w', own(tf.tensor2d([[-0.2, 0.1], [0.05, 0.3]]))]]);
    first.applyGradients(next, new Map([['w', original]]), 0.5);
    second.applyGradients(next, new Map([['w', copy]]), 0.5);
    expect(values(copy)).toEqual(values(original));
  });

  it('leaks no tensors', () => {
    const optimizer = new LarsOptimizer({ momentum: 0.9, weightDecay: 0.1, trustCoefficient: 0.001 });
    const variable = own(tf.variable(tf.tensor2d([[3, 4]])));
    const grads = new Map([['kernel', own(tf.tensor2d([[0, 2]]))]]);
    const before = tf.memory().numTensors;
    optimizer.applyGradients(grads, new Map([['kernel', variable]]), 1);
    optimizer.applyGradients(grads, new Map([['kernel', variable]]), 1);
    expect(tf.memory().numTensors).toBe(before + 1); // the momentum buffer
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a trust coefficient of 0', () => {
    let error: unknown;
    try {
      new LarsOptimizer({ momentum: 0.9, weightDecay: 0, trustCoefficient: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems[0]!.path).toBe('train.optimizer.trustCoefficient');
    expect((error as Error).message).toContain('e.g. 0.001; got 0');
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DataError, RunError, ShapeError, SpecError } from '@csi/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SgdOptimizer } from './sgd.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const owned: { dispose(): void }[] = [];
afterEach(() => {
  for (const item of owned.splice(0)) item.dispose();
});

function variables(entries: Record<string, number[]>): Map<string, tf.Variable> {
  const map = new Map<string, tf.Variable>();
  for (const [name, values] of Object.entries(entries)) {
    const variable = tf.variable(tf.tensor1d(values));
    owned.push(variable);
    map.set(name, variable);
  }
  return map;
}

function gradients(entries: Record<string, number[]>): Map<string, tf.Tensor> {
  const map = new Map<string, tf.Tensor>();
  for (const [name, values] of Object.entries(entries)) {
    const tensor = tf.tensor1d(values);
    owned.push(tensor);
    map.set(name, tensor);
  }
  return map;
}

function values(variable: tf.Tensor | undefined): number[] {
  return Array.from(variable!.dataSync());
}

function expectClose(actual: number[], expected: number[], digits = 6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, digits));
}

function captureError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('SgdOptimizer', () => {
  it('takes one momentum step with weight decay', () => {
    // p = [1, −2], g = [0.5, 0.25], wd = 0.1: g + wd·p = [0.6, 0.05]; buf = that on step 1;
    // p − 0.5 · buf = [0.7, −2.025].
    const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0.1 });
    owned.push(optimizer);
    const vars = variables({ w: [1, -2] });
    optimizer.applyGradients(gradients({ w: [0.5, 0.25] }), vars, 0.5);
    expectClose(values(vars.get('w')), [0.7, -2.025]);
    expectClose(values(optimizer.getState().get('momentumBuffer/w')), [0.6, 0.05]);
  });

  it('accumulates the buffer over two steps', () => {
    // Without decay, p = [1, −2], g1 = [0.5, 0.25], g2 = [−1, 1], m = 0.9, lr = 0.1:
    // buf1 = g1, p1 = [0.95, −2.025]; buf2 = 0.9·g1 + g2 = [−0.55, 1.225], p2 = p1 − 0.1·buf2 = [1.005, −2.1475].
    const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0 });
    owned.push(optimizer);
    const vars = variables({ w: [1, -2] });
    optimizer.applyGradients(gradients({ w: [0.5, 0.25] }), vars, 0.1);
    expectClose(values(vars.get('w')), [0.95, -2.025]);
    optimizer.applyGradients(gradients({ w: [-1, 1] }), vars, 0.1);
    expectClose(values(vars.get('w')), [1.005, -2.1475]);
    const state = optimizer.getState();
    expectClose(values(state.get('momentumBuffer/w')), [-0.55, 1.225]);
    tf.dispose([...state.values()]);
  });

  it('keeps no buffer without momentum', () => {
    const optimizer = new SgdOptimizer({ momentum: 0, weightDecay: 0 });
    owned.push(optimizer);
    const vars = variables({ w: [1, -2] });
    const grads = gradients({ w: [0.5, 0.25] });
    const before = tf.memory().numTensors;
    optimizer.applyGradients(grads, vars, 0.1);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(values(vars.get('w')), [0.95, -2.025]);
    expect(optimizer.getState().size).toBe(0);
  });

  it('leaves variables without a gradient alone', () => {
    const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0.1 });
    owned.push(optimizer);
    const vars = variables({ used: [1], unused: [3] });
    optimizer.applyGradients(gradients({ used: [1] }), vars, 0.1);
    expect(values(vars.get('unused'))).toEqual([3]);
    expect([...optimizer.getState().keys()]).toEqual(['momentumBuffer/used']);
  });

  it('gives the same next step after a state round trip', () => {
    const first = new SgdOptimizer({ momentum: 0.9, weightDecay: 0.01 });
    const second = new SgdOptimizer({ momentum: 0.9, weightDecay: 0.01 });
    owned.push(first, second);
    const vars = variables({ w: [1, -2, 0.5] });
    first.applyGradients(gradients({ w: [0.3, -0.1, 2] }), vars, 0.2);

    const state = first.getState();
    second.setState(state);
    tf.dispose([...state.values()]);
    const copy = variables({ w: values(vars.get('w')) });
    const next = gradients({ w: [-0.4, 0.7, 0.1] });
    first.applyGradients(next, vars, 0.2);
    second.applyGradients(next, copy, 0.2);
    expect(values(copy.get('w'))).toEqual(values(vars.get('w')));
  });

  it('leaks no tensors', () => {
    const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0.1 });
    const vars = variables({ a: [1, 2], b: [3] });
    const grads = gradients({ a: [0.1, 0.2], b: [0.3] });
    const before = tf.memory().numTensors;
    optimizer.applyGradients(grads, vars, 0.1);
    expect(tf.memory().numTensors).toBe(before + 2); // one momentum buffer per variable
    optimizer.applyGradients(grads, vars, 0.1);
    expect(tf.memory().numTensors).toBe(before + 2);
    const state = optimizer.getState();
    tf.dispose([...state.values()]);
    optimizer.setState(new Map());
    expect(tf.memory().numTensors).toBe(before);
    optimizer.applyGradients(grads, vars, 0.1);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad gradients and learning rates', () => {
    const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0 });
    owned.push(optimizer);
    const vars = variables({ w: [1, 2] });
    const unknown = captureError(() => optimizer.applyGradients(gradients({ v: [1, 2] }), vars, 0.1));
    expect(unknown).toBeInstanceOf(RunError);
    expect(unknown.message).toContain('gradient for "v"');
    expect(unknown.message).toContain('network.trainableVariables');
    const shape = captureError(() => optimizer.applyGradients(gradients({ w: [1, 2, 3] }), vars, 0.1));
    expect(shape).toBeInstanceOf(ShapeError);
    expect(shape.message).toContain('sgd: the gradient of "w" must have the variable\'s shape [2]; got [3]');
    const rate = captureError(() => optimizer.applyGradients(gradients({ w: [1, 2] }), vars, Number.NaN));
    expect(rate).toBeInstanceOf(RunError);
    expect(rate.message).toContain('got NaN');
    expect(values(vars.get('w'))).toEqual([1, 2]);
  });

  it('rejects state of another optimiser or shape', () => {
    const optimizer = new SgdOptimizer({ momentum: 0.9, weightDecay: 0 });
    owned.push(optimizer);
    const foreign = new Map([['firstMoment/w', tf.zeros([2])]]);
    const unknown = captureError(() => optimizer.setState(foreign));
    expect(unknown).toBeInstanceOf(DataError);
    expect(unknown.message).toContain('"firstMoment/w"');
    expect(unknown.message).toContain('momentumBuffer/<variable>');
    tf.dispose([...foreign.values()]);

    const wrong = new Map([['momentumBuffer/w', tf.zeros([3])]]);
    optimizer.setState(wrong);
    tf.dispose([...wrong.values()]);
    const vars = variables({ w: [1, 2] });
    const mismatch = captureError(() => optimizer.applyGradients(gradients({ w: [1, 1] }), vars, 0.1));
    expect(mismatch).toBeInstanceOf(DataError);
    expect(mismatch.message).toContain('"momentumBuffer/w" has shape [3], but the variable has shape [2]');
  });

  it('rejects options out of range', () => {
    const error = captureError(() => new SgdOptimizer({ momentum: 1, weightDecay: -1 }));
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems.map((problem) => problem.path)).toEqual([
      'train.optimizer.momentum',
      'train.optimizer.weightDecay',
    ]);
    expect(error.message).toContain('momentum must be in [0, 1), e.g. 0.9; got 1');
  });
});

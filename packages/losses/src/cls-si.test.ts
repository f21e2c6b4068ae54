import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, type ViewLayout } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clsSiLoss } from './cls-si.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('clsSiLoss', () => {
  it('matches the hand-computed cross-entropy', () => {
    // K = 2, N = 1, two views: rows 0..3 have true shifts 0, 1, 0, 1.
    //   row 0, logits (0, 0), y = 0: −log(1/2)               = log 2
    //   row 1, logits (1, 0), y = 1: −log(e⁰ / (e¹ + e⁰))    = log(1 + e)
    //   row 2, logits (2, 0), y = 0: −log(e² / (e² + e⁰))    = log(1 + e⁻²)
    //   row 3, logits (0, 3), y = 1: −log(e³ / (e⁰ + e³))    = log(1 + e⁻³)
    const layout: ViewLayout = { numImages: 1, numShifts: 2, numViews: 2 };
    const logits = tf.tensor2d([
      [0, 0],
      [1, 0],
      [2, 0],
      [0, 3],
    ]);
    const expected =
      (Math.log(2) + Math.log(1 + Math.E) + Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(-3))) / 4;
    const loss = clsSiLoss(logits, layout);

    expect(loss.shape).toEqual([]);
    expect(loss.dtype).toBe('float32');
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 6);
    tf.dispose([logits, loss]);
  });

  it('labels rows view-major, then shift, then image', () => {
    // K = 2, N = 2, two views: rows r = v·4 + y·2 + i have y = 0, 0, 1, 1, 0, 0, 1, 1.
    // Each row puts logit 10 on that shift, so every row's loss is log(1 + e⁻¹⁰).
    const layout: ViewLayout = { numImages: 2, numShifts: 2, numViews: 2 };
    const trueShifts = [0, 0, 1, 1, 0, 0, 1, 1];
    const logits = tf.tensor2d(trueShifts.map((shift) => (shift === 0 ? [10, 0] : [0, 10])));
    const loss = clsSiLoss(logits, layout);

    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-10)), 6);
    tf.dispose([logits, loss]);
  });

  it('stays finite for large logits', () => {
    const layout: ViewLayout = { numImages: 1, numShifts: 2, numViews: 1 };
    const logits = tf.tensor2d([
      [1000, 0],
      [1000, 0],
    ]);
    const loss = clsSiLoss(logits, layout);

    // Row 0 (y = 0) costs ≈ 0 and row 1 (y = 1) costs ≈ 1000, so the mean is ≈ 500.
    expect(loss.dataSync()[0]).toBeCloseTo(500, 3);
    tf.dispose([logits, loss]);
  });

  it('is 0 when K = 1', () => {
    const layout: ViewLayout = { numImages: 3, numShifts: 1, numViews: 2 };
    const logits = tf.tensor2d([[0.5], [-2], [7], [1], [0], [3]]);
    const loss = clsSiLoss(logits, layout);

    expect(loss.dataSync()[0]).toBeCloseTo(0, 7);
    tf.dispose([logits, loss]);
  });

  it('gradient is softmax minus one-hot over V', () => {
    const layout: ViewLayout = { numImages: 1, numShifts: 2, numViews: 2 };
    const rows = [
      [0.2, -0.5],
      [1.0, 0.3],
      [-1.2, 0.4],
      [0.0, 2.0],
    ];
    const trueShifts = [0, 1, 0, 1];
    const logits = tf.tensor2d(rows);
    const gradient = tf.grad((l: tf.Tensor) => clsSiLoss(l as tf.Tensor2D, layout))(logits);
    const values = gradient.arraySync() as number[][];

    rows.forEach((row, r) => {
      const total = Math.exp(row[0]!) + Math.exp(row[1]!);
      for (let k = 0; k < 2; k++) {
        const expected = (Math.exp(row[k]!) / total - (k === trueShifts[r] ? 1 : 0)) / rows.length;
        expect(values[r]![k]).toBeCloseTo(expected, 6);
      }
    });
    tf.dispose([logits, gradient]);
  });

  it('leaks no tensors', () => {
    const layout: ViewLayout = { numImages: 1, numShifts: 2, numViews: 2 };
    const logits = tf.zeros([4, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const loss = clsSiLoss(logits, layout);

    expect(tf.memory().numTensors).toBe(before + 1);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  });

  it('rejects logits of the wrong shape', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 4, numViews: 2 };
    const logits = tf.zeros([16, 3]) as tf.Tensor2D;

    expect(() => clsSiLoss(logits, layout)).toThrow(ShapeError);
    expect(() => clsSiLoss(logits, layout)).toThrow(
      'clsSiLoss: shiftLogits must be [numViews·N·K, K] = [16, 4]; got [16, 3]',
    );
    logits.dispose();
  });
});

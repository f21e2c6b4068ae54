import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, type ViewLayout } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { conSiLoss } from './con-si.js';
import { ntXentLoss } from './nt-xent.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Rows of uniform values in [−1, 1) from a fixed linear congruential sequence. */
function makeRows(count: number, size: number, seed: number): number[][] {
  let state = seed;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return (state / 4294967296) * 2 - 1;
  };
  return Array.from({ length: count }, () => Array.from({ length: size }, next));
}

/** Unit vector e_axis of length `size`. */
function basis(axis: number, size: number): number[] {
  return Array.from({ length: size }, (_, d) => (d === axis ? 1 : 0));
}

/** Stacks u(y, i) into rows r = v·(K·N) + y·N + i for two identical views. */
function stackTwoViews(vectorOf: (shift: number, image: number) => number[], layout: ViewLayout): number[][] {
  const rows: number[][] = [];
  for (let view = 0; view < 2; view++) {
    for (let shift = 0; shift < layout.numShifts; shift++) {
      for (let image = 0; image < layout.numImages; image++) rows.push(vectorOf(shift, image));
    }
  }
  return rows;
}

describe('conSiLoss', () => {
  it('equals NT-Xent when K = 1', () => {
    const layout: ViewLayout = { numImages: 3, numShifts: 1, numViews: 2 };
    const projections = tf.tensor2d(makeRows(6, 4, 7));
    const conSi = conSiLoss(projections, layout, 0.5);
    const ntXent = ntXentLoss(projections, 0.5);

    expect(conSi.dataSync()[0]).toBeCloseTo(ntXent.dataSync()[0]!, 6);
    tf.dispose([projections, conSi, ntXent]);
  });

  it('equals NT-Xent with M = K·N for K > 1', () => {
    const layout: ViewLayout = { numImages: 3, numShifts: 4, numViews: 2 };
    const projections = tf.tensor2d(makeRows(24, 5, 11));
    const conSi = conSiLoss(projections, layout, 0.2);
    const ntXent = ntXentLoss(projections, 0.2);

    expect(conSi.dataSync()[0]).toBeCloseTo(ntXent.dataSync()[0]!, 6);
    tf.dispose([projections, conSi, ntXent]);
  });

  it('treats the same image under another shift as a negative', () => {
    // K = 2, N = 2. Shift-invariant features: u(y, i) = e_i for both shifts. Row 0 is view 0 of
    // T_0(x_0), and its positive is row 4 (cosine 1). Rows 2 and 6 hold T_1(x_0), which is also
    // e_0 (cosine 1) but counts as a negative. Rows 1, 3, 5 and 7 are orthogonal (cosine 0).
    // At τ = 0.5 the denominator is e² (positive) + 2e² (other shift) + 4e⁰, so
    //   ℓ = log(3e² + 4) − 2 ≈ 1.264506 for every row, and so for the mean.
    const layout: ViewLayout = { numImages: 2, numShifts: 2, numViews: 2 };
    const invariant = tf.tensor2d(stackTwoViews((_shift, image) => basis(image, 4), layout));
    const invariantLoss = conSiLoss(invariant, layout, 0.5);

    expect(invariantLoss.dataSync()[0]).toBeCloseTo(Math.log(3 * Math.exp(2) + 4) - 2, 5);
    expect(invariantLoss.dataSync()[0]).toBeCloseTo(1.264506, 5);

    // Features that tell the shifts apart: u(y, i) = e_{2y+i}. Now only the positive has
    // cosine 1 and the six other rows are orthogonal: ℓ = log(e² + 6) − 2 ≈ 0.594438.
    const distinct = tf.tensor2d(stackTwoViews((shift, image) => basis(2 * shift + image, 4), layout));
    const distinctLoss = conSiLoss(distinct, layout, 0.5);

    expect(distinctLoss.dataSync()[0]).toBeCloseTo(Math.log(Math.exp(2) + 6) - 2, 5);
    expect(distinctLoss.dataSync()[0]).toBeCloseTo(0.594438, 5);
    tf.dispose([invariant, invariantLoss, distinct, distinctLoss]);
  });

  it('passes gradients to the projections', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 2, numViews: 2 };
    const projections = tf.tensor2d(makeRows(8, 3, 3));
    const gradient = tf.grad((z: tf.Tensor) => conSiLoss(z as tf.Tensor2D, layout, 0.5))(projections);
    const values = Array.from(gradient.dataSync());

    expect(gradient.shape).toEqual([8, 3]);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values.some((value) => Math.abs(value) > 1e-3)).toBe(true);
    tf.dispose([projections, gradient]);
  });

  it('leaks no tensors', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 2, numViews: 2 };
    const projections = tf.tensor2d(makeRows(8, 3, 5));
    const before = tf.memory().numTensors;
    const loss = conSiLoss(projections, layout, 0.5);

    expect(tf.memory().numTensors).toBe(before + 1);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    projections.dispose();
  });

  it('names both shapes in a shape error', () => {
    const layout: ViewLayout = { numImages: 4, numShifts: 4, numViews: 2 };
    const projections = tf.zeros([30, 128]) as tf.Tensor2D;

    expect(() => conSiLoss(projections, layout, 0.5)).toThrow(ShapeError);
    expect(() => conSiLoss(projections, layout, 0.5)).toThrow(
      'conSiLoss: projections must be [2·N·K, P] = [32, 128]; got [30, 128]',
    );
    projections.dispose();
  });

  it('rejects a layout without two views', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 2, numViews: 3 };
    const projections = tf.zeros([12, 4]) as tf.Tensor2D;

    expect(() => conSiLoss(projections, layout, 0.5)).toThrow(ShapeError);
    expect(() => conSiLoss(projections, layout, 0.5)).toThrow('layout.numViews must be 2');
    expect(() => conSiLoss(projections, layout, 0.5)).toThrow('got 3');
    projections.dispose();
  });

  it('rejects a layout with zero shifts', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 0, numViews: 2 };
    const projections = tf.zeros([4, 4]) as tf.Tensor2D;

    expect(() => conSiLoss(projections, layout, 0.5)).toThrow('conSiLoss: layout.numShifts must be a positive integer; got 0');
    projections.dispose();
  });
});

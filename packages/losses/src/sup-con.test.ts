import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, SpecError, countViews, type ViewLayout } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { conSiLoss } from './con-si.js';
import { supConLoss, supConTerm } from './sup-con.js';

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

/** SupCon (L_out) in double precision, from the formula with loops; labels are (class, shift). */
function referenceSupCon(rows: number[][], layout: ViewLayout, classes: number[], temperature: number): number {
  const labels: string[] = [];
  for (let view = 0; view < layout.numViews; view++) {
    for (let shift = 0; shift < layout.numShifts; shift++) {
      for (let image = 0; image < layout.numImages; image++) labels.push(`${classes[image]}/${shift}`);
    }
  }
  const cosine = (a: number[], b: number[]): number => {
    let dot = 0;
    let normA = 0;
    let normB = 0;
    for (let d = 0; d < a.length; d++) {
      dot += a[d]! * b[d]!;
      normA += a[d]! * a[d]!;
      normB += b[d]! * b[d]!;
    }
    return dot / Math.sqrt(normA * normB);
  };
  let total = 0;
  for (let anchor = 0; anchor < rows.length; anchor++) {
    let denominator = 0;
    for (let k = 0; k < rows.length; k++) {
      if (k !== anchor) denominator += Math.exp(cosine(rows[anchor]!, rows[k]!) / temperature);
    }
    let sum = 0;
    let count = 0;
    for (let p = 0; p < rows.length; p++) {
      if (p === anchor || labels[p] !== labels[anchor]) continue;
      sum += Math.log(Math.exp(cosine(rows[anchor]!, rows[p]!) / temperature) / denominator);
      count++;
    }
    total += -sum / count;
  }
  return total / rows.length;
}

describe('supConLoss', () => {
  it('equals con-SI when every image has its own class', () => {
    const layout: ViewLayout = { numImages: 3, numShifts: 2, numViews: 2 };
    const projections = tf.tensor2d(makeRows(12, 4, 21));
    const classLabels = tf.tensor1d([4, 0, 7], 'int32');
    const supCon = supConLoss(projections, layout, classLabels, 0.5);
    const conSi = conSiLoss(projections, layout, 0.5);

    expect(supCon.dataSync()[0]).toBeCloseTo(conSi.dataSync()[0]!, 5);
    tf.dispose([projections, classLabels, supCon, conSi]);
  });

  it('matches the double-precision formula with shared classes', () => {
    for (const numViews of [2, 3]) {
      const layout: ViewLayout = { numImages: 3, numShifts: 2, numViews };
      const rows = makeRows(countViews(layout), 3, 5 + numViews);
      const projections = tf.tensor2d(rows);
      const classLabels = tf.tensor1d([1, 1, 0], 'int32');
      const loss = supConLoss(projections, layout, classLabels, 0.5);

      expect(loss.dataSync()[0]).toBeCloseTo(referenceSupCon(rows, layout, [1, 1, 0], 0.5), 4);
      tf.dispose([projections, classLabels, loss]);
    }
  });

  it('separates labels by shift', () => {
    // N = 2 images of one class, K = 2, two views, all 8 rows the same vector: every logit
    // is 1/τ = 2. A row's positives are the 3 other rows with its shift; the denominator has
    // all 7 other rows. So each log-probability is 2 − log(7e²) = −log 7, and L = log 7.
    const layout: ViewLayout = { numImages: 2, numShifts: 2, numViews: 2 };
    const projections = tf.tensor2d(Array.from({ length: 8 }, () => [1, 0]));
    const classLabels = tf.tensor1d([3, 3], 'int32');
    const loss = supConLoss(projections, layout, classLabels, 0.5);

    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(7), 5);
    tf.dispose([projections, classLabels, loss]);
  });

  it('passes gradients to the projections and leaks nothing', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 2, numViews: 2 };
    const projections = tf.tensor2d(makeRows(8, 3, 9));
    const classLabels = tf.tensor1d([0, 0], 'int32');
    const before = tf.memory().numTensors;
    const gradient = tf.grad((z: tf.Tensor) => supConLoss(z as tf.Tensor2D, layout, classLabels, 0.5))(projections);
    const values = Array.from(gradient.dataSync());

    expect(values.every(Number.isFinite)).toBe(true);
    expect(values.some((value) => Math.abs(value) > 1e-3)).toBe(true);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([projections, classLabels, gradient]);
  });

  it('rejects float class labels', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 1, numViews: 2 };
    const projections = tf.zeros([4, 3]) as tf.Tensor2D;
    const classLabels = tf.tensor1d([0, 1], 'float32');

    expect(() => supConLoss(projections, layout, classLabels, 0.5)).toThrow(ShapeError);
    expect(() => supConLoss(projections, layout, classLabels, 0.5)).toThrow('got dtype float32');
    tf.dispose([projections, classLabels]);
  });

  it('rejects class labels of the wrong length', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 1, numViews: 2 };
    const projections = tf.zeros([4, 3]) as tf.Tensor2D;
    const classLabels = tf.tensor1d([0, 1, 2], 'int32');

    expect(() => supConLoss(projections, layout, classLabels, 0.5)).toThrow(
      'supConLoss: classLabels must be [N] = [2]; got [3]',
    );
    tf.dispose([projections, classLabels]);
  });

  it('rejects a single view', () => {
    const layout: ViewLayout = { numImages: 2, numShifts: 1, numViews: 1 };
    const projections = tf.zeros([2, 3]) as tf.Tensor2D;
    const classLabels = tf.tensor1d([0, 1], 'int32');

    expect(() => supConLoss(projections, layout, classLabels, 0.5)).toThrow('numViews must be at least 2');
    tf.dispose([projections, classLabels]);
  });
});

describe('sup-con term', () => {
  it('rejects a batch without class labels', () => {
    const term = supConTerm.create({ temperature: 0.5 }, undefined as never);
    const layout: ViewLayout = { numImages: 1, numShifts: 1, numViews: 2 };
    const outputs = {
      features: tf.zeros([2, 4]) as tf.Tensor2D,
      projections: tf.zeros([2, 3]) as tf.Tensor2D,
      shiftLogits: tf.zeros([2, 1]) as tf.Tensor2D,
    };

    expect(() => term.compute(outputs, layout)).toThrow(SpecError);
    expect(() => term.compute(outputs, layout)).toThrow('train.loss: loss "sup-con" needs the class label');
    expect(() => term.compute(outputs, layout)).toThrow('replace sup-con with con-si');
    tf.dispose(Object.values(outputs));
  });

  it('declares that it needs class labels', () => {
    expect(supConTerm.classLabels).toBe('needed');
  });
});

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { CsiError, ShapeError } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ntXentLoss } from './nt-xent.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** NT-Xent in double precision, written from the formula with loops and no tensors. */
function referenceNtXent(rows: number[][], temperature: number): number {
  const numRows = rows.length;
  const numInstances = numRows / 2;
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
  for (let i = 0; i < numRows; i++) {
    const positive = (i + numInstances) % numRows;
    let denominator = 0;
    for (let k = 0; k < numRows; k++) {
      if (k !== i) denominator += Math.exp(cosine(rows[i]!, rows[k]!) / temperature);
    }
    const numerator = Math.exp(cosine(rows[i]!, rows[positive]!) / temperature);
    total += -Math.log(numerator / denominator);
  }
  return total / numRows;
}

const SIX_ROWS = [
  [0.3, -1.2, 0.8],
  [1.5, 0.1, -0.4],
  [-0.7, 0.9, 0.2],
  [0.4, -1.0, 1.1],
  [1.2, 0.5, -0.2],
  [-0.2, 1.3, 0.6],
];

describe('ntXentLoss', () => {
  it('matches the hand-worked value for two orthogonal pairs', () => {
    // Rows e1, e2, e1, e2: each row's positive is identical to it (cosine 1) and the other two
    // rows are orthogonal (cosine 0). At τ = 0.5 every row has logits 2 (positive), 0, 0, so
    //   ℓ = −log(e² / (e² + e⁰ + e⁰)) = log(e² + 2) − 2 ≈ log(9.389056) − 2 ≈ 0.239545,
    // and the mean over the four identical rows is the same number.
    const projections = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
    const loss = ntXentLoss(projections, 0.5);

    expect(loss.shape).toEqual([]);
    expect(loss.dtype).toBe('float32');
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(Math.exp(2) + 2) - 2, 5);
    expect(loss.dataSync()[0]).toBeCloseTo(0.239545, 5);
    tf.dispose([projections, loss]);
  });

  it('matches the double-precision formula on six vectors', () => {
    const projections = tf.tensor2d(SIX_ROWS);
    for (const temperature of [0.5, 0.1, 2]) {
      const loss = ntXentLoss(projections, temperature);
      expect(loss.dataSync()[0]).toBeCloseTo(referenceNtXent(SIX_ROWS, temperature), 4);
      loss.dispose();
    }
    projections.dispose();
  });

  it('is invariant to scaling the projections', () => {
    const projections = tf.tensor2d(SIX_ROWS);
    // A different positive factor per row: cosine similarity ignores every one of them.
    const rowScales = tf.tensor2d([[10], [0.01], [3], [70], [0.5], [1000]]);
    const scaled = tf.mul(projections, rowScales) as tf.Tensor2D;
    const loss = ntXentLoss(projections, 0.5);
    const scaledLoss = ntXentLoss(scaled, 0.5);

    expect(scaledLoss.dataSync()[0]).toBeCloseTo(loss.dataSync()[0]!, 5);
    tf.dispose([projections, rowScales, scaled, loss, scaledLoss]);
  });

  it('stays finite for large logits at small temperature', () => {
    // At τ = 0.01 the logits reach 100, and exp(100) ≈ 2.7e43 overflows float32 unless the
    // row max is subtracted first. Double precision still holds it, so the reference works.
    const projections = tf.tensor2d(SIX_ROWS);
    const loss = ntXentLoss(projections, 0.01);

    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    expect(loss.dataSync()[0]).toBeCloseTo(referenceNtXent(SIX_ROWS, 0.01), 2);
    tf.dispose([projections, loss]);
  });

  it('gradient matches finite differences', () => {
    const temperature = 0.5;
    const projections = tf.tensor2d(SIX_ROWS);
    const gradient = tf.grad((z: tf.Tensor) => ntXentLoss(z as tf.Tensor2D, temperature))(projections);
    const analytic = gradient.arraySync() as number[][];

    const step = 1e-6;
    for (let row = 0; row < SIX_ROWS.length; row++) {
      for (let column = 0; column < 3; column++) {
        const plus = SIX_ROWS.map((r) => [...r]);
        const minus = SIX_ROWS.map((r) => [...r]);
        plus[row]![column]! += step;
        minus[row]![column]! -= step;
        const numeric =
          (referenceNtXent(plus, temperature) - referenceNtXent(minus, temperature)) / (2 * step);
        expect(analytic[row]![column]).toBeCloseTo(numeric, 4);
      }
    }
    expect(analytic.flat().some((value) => Math.abs(value) > 1e-3)).toBe(true);
    tf.dispose([projections, gradient]);
  });

  it('leaks no tensors', () => {
    const projections = tf.tensor2d(SIX_ROWS);
    const before = tf.memory().numTensors;
    const loss = ntXentLoss(projections, 0.5);
    const gradient = tf.grad((z: tf.Tensor) => ntXentLoss(z as tf.Tensor2D, 0.5))(projections);

    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([loss, gradient]);
    expect(tf.memory().numTensors).toBe(before);
    projections.dispose();
  });

  it('rejects an odd number of rows', () => {
    const projections = tf.zeros([5, 4]) as tf.Tensor2D;

    expect(() => ntXentLoss(projections, 0.5)).toThrow(ShapeError);
    expect(() => ntXentLoss(projections, 0.5)).toThrow(/ntXentLoss: .*even number.*got \[5, 4\]/);
    projections.dispose();
  });

  it('rejects a projection tensor of rank 3', () => {
    const projections = tf.zeros([2, 4, 1]) as unknown as tf.Tensor2D;

    expect(() => ntXentLoss(projections, 0.5)).toThrow('ntXentLoss: projections must be [2·M, P]');
    projections.dispose();
  });

  it('rejects a temperature that is not positive', () => {
    const projections = tf.tensor2d(SIX_ROWS);

    expect(() => ntXentLoss(projections, 0)).toThrow(CsiError);
    expect(() => ntXentLoss(projections, 0)).toThrow('temperature must be a finite number greater than 0; got 0');
    expect(() => ntXentLoss(projections, Number.NaN)).toThrow('got NaN');
    projections.dispose();
  });
});

import { DataError, RunError, ShapeError } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { computeAupr } from './aupr.js';
import { computeAuroc } from './auroc.js';
import { computeFprAtTpr } from './fpr-at-tpr.js';

function scoresOf(values: number[]): Float32Array {
  return Float32Array.from(values);
}

function labelsOf(values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** Pairwise Mann-Whitney count: P(normal > anomalous) + ½ P(tie), over all pairs. */
function bruteForceAuroc(scores: Float32Array, isNormal: Uint8Array): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (isNormal[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (isNormal[j] !== 0) continue;
      pairs++;
      if (scores[i]! > scores[j]!) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

/** Fixed pseudo-random integers in [0, range) from a linear congruential sequence. */
function makeIntegers(count: number, range: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return Math.floor((state / 4294967296) * range);
  });
}

describe('computeAuroc', () => {
  it.each([
    ['perfect', [0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0], 1],
    ['reversed', [0.1, 0.3, 0.8, 0.9], [1, 1, 0, 0], 0],
    ['all tied', [2, 2, 2, 2, 2], [1, 0, 1, 0, 0], 0.5],
    // Pairs (normal, anomalous): (0.9, 0.5) win, (0.9, 0.2) win, (0.4, 0.5) loss, (0.4, 0.2) win → 3/4.
    ['one swap', [0.9, 0.5, 0.4, 0.2], [1, 0, 1, 0], 0.75],
    // Pairs: (1, 1) tie, (1, 0) win, (0, 1) loss, (0, 0) tie → (0.5 + 1 + 0 + 0.5) / 4 = 0.5.
    ['ties across classes', [1, 1, 0, 0], [1, 0, 0, 1], 0.5],
  ])('%s', (_name, scores, labels, expected) => {
    expect(computeAuroc(scoresOf(scores), labelsOf(labels))).toBeCloseTo(expected, 12);
  });

  it('matches the pairwise count with many ties', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const scores = scoresOf(makeIntegers(300, 7, seed));
      const labels = labelsOf(makeIntegers(300, 2, seed + 100));
      expect(computeAuroc(scores, labels)).toBeCloseTo(bruteForceAuroc(scores, labels), 12);
    }
  });

  it('orders infinite scores', () => {
    const scores = scoresOf([Infinity, -Infinity, 0, Infinity]);
    const labels = labelsOf([1, 0, 0, 0]);

    // The normal +∞ beats −∞ and 0 and ties the anomalous +∞: (1 + 1 + 0.5) / 3.
    expect(computeAuroc(scores, labels)).toBeCloseTo(2.5 / 3, 12);
  });

  it('does not change the inputs', () => {
    const scores = scoresOf([3, 1, 2]);
    const labels = labelsOf([0, 1, 1]);
    computeAuroc(scores, labels);

    expect(Array.from(scores)).toEqual([3, 1, 2]);
    expect(Array.from(labels)).toEqual([0, 1, 1]);
  });
});

describe('computeAupr', () => {
  it('matches the hand-worked step sum', () => {
    // From the top: 0.9 normal (P 1, R ½), 0.8 anomalous (P ½, R ½), 0.7 normal (P ⅔, R 1),
    // 0.6 anomalous (R stays 1). AP = ½ · 1 + 0 · ½ + ½ · ⅔ = 5/6.
    const scores = scoresOf([0.6, 0.9, 0.7, 0.8]);
    const labels = labelsOf([0, 1, 1, 0]);

    expect(computeAupr(scores, labels)).toBeCloseTo(5 / 6, 12);
  });

  it('treats tied scores as one threshold', () => {
    // Threshold 1 accepts one normal and one anomalous image (P ½, R ½), threshold 0 adds
    // the second normal (P ⅔, R 1). AP = ½ · ½ + ½ · ⅔ = 7/12, whatever the order of ties.
    expect(computeAupr(scoresOf([1, 1, 0]), labelsOf([1, 0, 1]))).toBeCloseTo(7 / 12, 12);
    expect(computeAupr(scoresOf([1, 1, 0]), labelsOf([0, 1, 1]))).toBeCloseTo(7 / 12, 12);
  });

  it('is 1 for a perfect ranking', () => {
    expect(computeAupr(scoresOf([5, 4, 3, 2]), labelsOf([1, 1, 0, 0]))).toBe(1);
  });

  it('treats normal images as positives', () => {
    // Normal as positive: 3 (anomalous) gives P 0 at R 0, 2 gives P ½ at R ½, 1 gives P ⅔ at
    // R 1, so AP = ½ · ½ + ½ · ⅔ = 7/12. With anomalous images as positives, ranked from the
    // lowest score, the one anomalous image would come last and AP would be ⅓.
    const scores = scoresOf([3, 2, 1]);
    const labels = labelsOf([0, 1, 1]);

    expect(computeAupr(scores, labels)).toBeCloseTo(7 / 12, 12);
  });
});

describe('computeFprAtTpr', () => {
  it('returns the FPR at the first threshold reaching 95% TPR', () => {
    // 20 normal images score 1..20, so TPR first reaches 19/20 = 0.95 at threshold 2.
    // Anomalous scores 0.5, 10.5, 15.5, 25: three of four are ≥ 2, so FPR = 0.75.
    const normal = Array.from({ length: 20 }, (_, i) => i + 1);
    const scores = scoresOf([...normal, 0.5, 10.5, 15.5, 25]);
    const labels = labelsOf([...normal.map(() => 1), 0, 0, 0, 0]);

    expect(computeFprAtTpr(scores, labels)).toBe(0.75);
  });

  it('counts anomalous images tied at the threshold', () => {
    // The threshold that reaches TPR 1 is 0.4, where an anomalous image ties.
    const scores = scoresOf([0.9, 0.4, 0.4, 0.1]);
    const labels = labelsOf([1, 1, 0, 0]);

    expect(computeFprAtTpr(scores, labels)).toBe(0.5);
  });

  it('is 0 for a perfect ranking and 1 for a reversed one', () => {
    expect(computeFprAtTpr(scoresOf([4, 3, 2, 1]), labelsOf([1, 1, 0, 0]))).toBe(0);
    expect(computeFprAtTpr(scoresOf([1, 2, 3, 4]), labelsOf([1, 1, 0, 0]))).toBe(1);
  });

  it('takes another target TPR', () => {
    // Normal 4, 3, 2, 1 and anomalous 3.5, 0: TPR ½ is reached at threshold 3 with FPR ½.
    const scores = scoresOf([4, 3, 2, 1, 3.5, 0]);
    const labels = labelsOf([1, 1, 1, 1, 0, 0]);

    expect(computeFprAtTpr(scores, labels, 0.5)).toBe(0.5);
    expect(() => computeFprAtTpr(scores, labels, 0)).toThrow('targetTpr must be in (0, 1]; got 0');
  });
});

describe('metric input errors', () => {
  const metrics = [
    ['auroc', computeAuroc],
    ['aupr', computeAupr],
    ['fpr-at-95-tpr', (scores: Float32Array, labels: Uint8Array) => computeFprAtTpr(scores, labels)],
  ] as const;

  it.each(metrics)('%s rejects NaN scores', (name, compute) => {
    const scores = scoresOf([0.1, Number.NaN, 0.3, Number.NaN]);
    const labels = labelsOf([1, 0, 1, 0]);

    expect(() => compute(scores, labels)).toThrow(RunError);
    expect(() => compute(scores, labels)).toThrow(`${name}: 2 of 4 scores are NaN, the first at index 1`);
  });

  it.each(metrics)('%s rejects a test set without anomalous images', (name, compute) => {
    expect(() => compute(scoresOf([1, 2]), labelsOf([1, 1]))).toThrow(DataError);
    expect(() => compute(scoresOf([1, 2]), labelsOf([1, 1]))).toThrow(
      `${name}: needs both normal and anomalous test images; got 2 normal and 0 anomalous`,
    );
  });

  it.each(metrics)('%s rejects a test set without normal images', (_name, compute) => {
    expect(() => compute(scoresOf([1, 2]), labelsOf([0, 0]))).toThrow('got 0 normal and 2 anomalous');
  });

  it.each(metrics)('%s rejects labels other than 0 and 1', (_name, compute) => {
    expect(() => compute(scoresOf([1, 2]), labelsOf([1, 2]))).toThrow(DataError);
    expect(() => compute(scoresOf([1, 2]), labelsOf([1, 2]))).toThrow('isNormal[1] is 2');
  });

  it.each(metrics)('%s rejects mismatched lengths', (_name, compute) => {
    expect(() => compute(scoresOf([1, 2, 3]), labelsOf([1, 0]))).toThrow(ShapeError);
    expect(() => compute(scoresOf([1, 2, 3]), labelsOf([1, 0]))).toThrow('got 3 scores and 2 labels');
  });
});

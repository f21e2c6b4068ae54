import { CsiError, DataError, RunError, ShapeError } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { computeAccuracy, computeExpectedCalibrationError } from './classification.js';

// C = 3, four rows:
//   row 0: (0.7, 0.2, 0.1), label 0 → predicted 0, correct, confidence 0.7
//   row 1: (0.4, 0.4, 0.2), label 1 → tie between 0 and 1 goes to 0, wrong, confidence 0.4
//   row 2: (0.1, 0.3, 0.6), label 2 → predicted 2, correct, confidence 0.6
//   row 3: (0.5, 0.25, 0.25), label 1 → predicted 0, wrong, confidence 0.5
const PROBABILITIES = Float32Array.from([0.7, 0.2, 0.1, 0.4, 0.4, 0.2, 0.1, 0.3, 0.6, 0.5, 0.25, 0.25]);
const LABELS = Int32Array.from([0, 1, 2, 1]);

describe('computeAccuracy', () => {
  it('counts a tie for the lowest class', () => {
    // Rows 0 and 2 are correct: 2 / 4.
    expect(computeAccuracy(PROBABILITIES, 3, LABELS)).toBe(0.5);
  });

  it('counts a tie as correct when the label is the lowest class', () => {
    const labels = Int32Array.from([0, 0, 2, 1]);

    // Rows 0, 1 and 2 are correct: 3 / 4.
    expect(computeAccuracy(PROBABILITIES, 3, labels)).toBe(0.75);
  });

  it('skips rows outside the include mask', () => {
    // Row 1 is excluded, and its label −1 (an out-of-distribution image) is not checked.
    const labels = Int32Array.from([0, -1, 2, 1]);

    // Rows 0 and 2 correct, row 3 wrong: 2 / 3.
    expect(computeAccuracy(PROBABILITIES, 3, labels, Uint8Array.from([1, 0, 1, 1]))).toBeCloseTo(2 / 3, 12);
  });
});

describe('computeExpectedCalibrationError', () => {
  it('sums the gaps of single-row bins', () => {
    // With 15 bins the confidences 0.7, 0.4, 0.6, 0.5 fall into bins 10, 5, 8, 7, one row each:
    // ECE = (|1 − 0.7| + |0 − 0.4| + |1 − 0.6| + |0 − 0.5|) / 4 = 1.6 / 4 = 0.4.
    expect(computeExpectedCalibrationError(PROBABILITIES, 3, LABELS)).toBeCloseTo(0.4, 6);
  });

  it('averages accuracy and confidence within a bin', () => {
    // One bin contains all rows: accuracy 2/4 = 0.5, mean confidence (0.7 + 0.4 + 0.6 + 0.5) / 4 = 0.55,
    // so ECE = |0.5 − 0.55| = 0.05.
    expect(computeExpectedCalibrationError(PROBABILITIES, 3, LABELS, undefined, 1)).toBeCloseTo(0.05, 6);
  });

  it('weights each bin by its share of rows', () => {
    // Bins (0, 0.5] and (0.5, 1]. The first contains rows 1 and 3 (0.4, 0.5), both wrong, so its gap
    // is 0.45 and its share 2/4. The second contains rows 0 and 2 (0.7, 0.6), both correct, so its gap
    // is 1 − 0.65 = 0.35 and its share 2/4. ECE = 0.5 · 0.45 + 0.5 · 0.35 = 0.4.
    expect(computeExpectedCalibrationError(PROBABILITIES, 3, LABELS, undefined, 2)).toBeCloseTo(0.4, 6);
  });

  it('skips rows outside the include mask', () => {
    // Rows 0, 2 and 3 in one bin: accuracy 2/3, mean confidence (0.7 + 0.6 + 0.5) / 3 = 0.6,
    // so ECE = 2/3 − 0.6 = 1/15.
    const labels = Int32Array.from([0, 7, 2, 1]);
    const include = Uint8Array.from([1, 0, 1, 1]);

    expect(computeExpectedCalibrationError(PROBABILITIES, 3, labels, include, 1)).toBeCloseTo(1 / 15, 6);
  });

  it('puts a confidence on a bin edge into the lower bin', () => {
    // C = 2; the metric takes each row's maximum and does not need rows to sum to 1.
    //   row 0: confidence 1/15, correct → bin 0 = (0, 1/15]
    //   row 1: confidence 0.07, wrong   → bin 1 = (1/15, 2/15]
    //   row 2: confidence 1.0, correct  → bin 14 = (14/15, 1]
    //   row 3: confidence 0.99, wrong   → bin 14
    // ECE = (|1 − 1/15| + |0 − 0.07| + 2 · |0.5 − 0.995|) / 4 = (14/15 + 0.07 + 0.99) / 4.
    // Had 1/15 gone into bin 1, ECE would be (2 · |0.5 − 0.0683| + 0.99) / 4 ≈ 0.463 instead of ≈ 0.498.
    const probabilities = Float32Array.from([1 / 15, 0, 0.07, 0, 1, 0, 0.99, 0]);
    const labels = Int32Array.from([0, 1, 0, 1]);

    expect(computeExpectedCalibrationError(probabilities, 2, labels)).toBeCloseTo((14 / 15 + 0.07 + 0.99) / 4, 6);
  });

  it('puts a confidence of 0 into the first bin', () => {
    // C = 1, one correct row with confidence 0: ECE = |1 − 0| = 1.
    expect(computeExpectedCalibrationError(Float32Array.from([0]), 1, Int32Array.from([0]))).toBe(1);
  });

  it('is 0 for a calibrated set', () => {
    // Confidence 0.5 on every row and half of them correct, all in bin 7 = (7/15, 8/15].
    const probabilities = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
    const labels = Int32Array.from([0, 1]);

    expect(computeExpectedCalibrationError(probabilities, 2, labels)).toBe(0);
  });
});

describe('classification metric errors', () => {
  const metrics = [
    ['computeAccuracy', computeAccuracy],
    ['computeExpectedCalibrationError', computeExpectedCalibrationError],
  ] as const;

  it.each(metrics)('%s rejects probabilities of the wrong length', (name, metric) => {
    const call = (): number => metric(Float32Array.from([0.5, 0.5, 1, 0, 1]), 2, Int32Array.from([0, 1, 0]));

    expect(call).toThrow(ShapeError);
    expect(call).toThrow(`${name}: probabilities must be [M_test, C] = [3, 2] row-major`);
    expect(call).toThrow('got 5 values');
  });

  it.each(metrics)('%s rejects an include mask of the wrong length', (name, metric) => {
    const call = (): number => metric(PROBABILITIES, 3, LABELS, Uint8Array.from([1, 1]));

    expect(call).toThrow(ShapeError);
    expect(call).toThrow(`${name}: include must have one entry per row, 4; got 2 entries`);
  });

  it.each(metrics)('%s rejects an include value other than 0 and 1', (name, metric) => {
    const call = (): number => metric(PROBABILITIES, 3, LABELS, Uint8Array.from([1, 2, 1, 1]));

    expect(call).toThrow(DataError);
    expect(call).toThrow(`${name}: include[1] is 2`);
  });

  it.each(metrics)('%s rejects an included label out of range', (name, metric) => {
    const call = (): number => metric(PROBABILITIES, 3, Int32Array.from([0, 1, 3, 1]));

    expect(call).toThrow(DataError);
    expect(call).toThrow(`${name}: labels[2] is 3, outside [0, 3)`);
    expect(call).toThrow('include mask');
  });

  it.each(metrics)('%s rejects a mask that excludes every row', (name, metric) => {
    const call = (): number => metric(PROBABILITIES, 3, LABELS, Uint8Array.from([0, 0, 0, 0]));

    expect(call).toThrow(DataError);
    expect(call).toThrow(`${name}: no row to evaluate, because the include mask excludes all 4 rows`);
  });

  it.each(metrics)('%s rejects an empty set', (name, metric) => {
    const call = (): number => metric(new Float32Array(0), 3, new Int32Array(0));

    expect(call).toThrow(`${name}: no row to evaluate, because labels is empty`);
  });

  it.each(metrics)('%s rejects numClasses below 1', (name, metric) => {
    const call = (): number => metric(new Float32Array(0), 0, new Int32Array(0));

    expect(call).toThrow(ShapeError);
    expect(call).toThrow(`${name}: numClasses must be an integer of at least 1; got 0`);
  });

  it.each(metrics)('%s rejects NaN in an included row', (name, metric) => {
    const call = (): number => metric(Float32Array.from([0.5, 0.5, 0.5, Number.NaN]), 2, Int32Array.from([0, 1]));

    expect(call).toThrow(RunError);
    expect(call).toThrow(`${name}: probabilities[1, 1] is NaN`);
  });

  it('ignores NaN in an excluded row', () => {
    const probabilities = Float32Array.from([0.9, 0.1, Number.NaN, Number.NaN]);

    expect(computeAccuracy(probabilities, 2, Int32Array.from([0, -1]), Uint8Array.from([1, 0]))).toBe(1);
  });

  it('rejects a confidence above 1 in the calibration error', () => {
    const call = (): number => computeExpectedCalibrationError(Float32Array.from([1.5, 0]), 2, Int32Array.from([0]));

    expect(call).toThrow(DataError);
    expect(call).toThrow('largest probability of row 0 is 1.5, outside [0, 1]');
    expect(call).toThrow('not logits');
  });

  it('rejects a bin count below 1', () => {
    const call = (): number => computeExpectedCalibrationError(PROBABILITIES, 3, LABELS, undefined, 0);

    expect(call).toThrow(CsiError);
    expect(call).toThrow('numBins must be an integer of at least 1; got 0');
  });
});

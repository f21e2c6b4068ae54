import { DataError, RunError, ShapeError } from '@csi/core';

/** Counts of the two classes, once the inputs are known to be valid. */
export interface ClassCounts {
  numNormal: number;
  numAnomalous: number;
}

/**
 * Checks that `scores` and `isNormal` have one entry per image, that labels are 0 or 1, that
 * both classes occur, and that no score is NaN. ±Infinity is a valid score.
 */
export function assertScoresAndLabels(metricName: string, scores: Float32Array, isNormal: Uint8Array): ClassCounts {
  if (scores.length !== isNormal.length) {
    throw new ShapeError(
      `${metricName}: scores and isNormal must have one entry per image; got ${scores.length} scores and ` +
        `${isNormal.length} labels`,
    );
  }

  let numNaN = 0;
  let firstNaN = -1;
  let numNormal = 0;
  for (let image = 0; image < scores.length; image++) {
    if (Number.isNaN(scores[image])) {
      if (numNaN === 0) firstNaN = image;
      numNaN++;
    }
    const label = isNormal[image]!;
    if (label !== 0 && label !== 1) {
      throw new DataError(
        `${metricName}: isNormal[${image}] is ${label}; labels must be 1 (normal) or 0 (anomalous)`,
      );
    }
    numNormal += label;
  }

  if (numNaN > 0) {
    throw new RunError(
      `${metricName}: ${numNaN} of ${scores.length} scores are NaN, the first at index ${firstNaN}. ` +
        'The network produced NaN features; check the training loss for NaN and lower the learning rate.',
    );
  }
  const numAnomalous = scores.length - numNormal;
  if (numNormal === 0 || numAnomalous === 0) {
    throw new DataError(
      `${metricName}: needs both normal and anomalous test images; got ${numNormal} normal and ` +
        `${numAnomalous} anomalous. Check the protocol's choice of normal classes and data.maxTestImages.`,
    );
  }
  return { numNormal, numAnomalous };
}

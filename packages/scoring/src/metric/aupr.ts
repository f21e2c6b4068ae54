import { defineMetric } from '@csi/core';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';
import { sweepThresholds } from './threshold-sweep.js';
import { assertScoresAndLabels } from './validate.js';

/**
 * Computes the area under the precision-recall curve as average precision, with normal images
 * as the positive class ("AUPR-In"):
 *
 *   AP = Σ_t (R_t − R_{t−1}) · P_t,
 *
 * over the distinct score thresholds t from high to low, where P_t and R_t are the precision
 * and recall of "score ≥ t means normal". This is the non-interpolated step sum that
 * scikit-learn's average_precision_score computes. Tied scores form one threshold.
 *
 * @param scores [M_test] detection scores, larger = more normal; NaN is rejected.
 * @param isNormal [M_test] 1 for a normal image, 0 for an anomalous one; both must occur.
 * @returns a value in (0, 1]; 1 when every normal image outscores every anomalous one.
 */
export function computeAupr(scores: Float32Array, isNormal: Uint8Array): number {
  const { numNormal } = assertScoresAndLabels('aupr', scores, isNormal);
  const { truePositives, falsePositives } = sweepThresholds(scores, isNormal);

  let averagePrecision = 0;
  let previousRecall = 0;
  truePositives.forEach((numTrue, threshold) => {
    const recall = numTrue / numNormal;
    const precision = numTrue / (numTrue + falsePositives[threshold]!);
    averagePrecision += (recall - previousRecall) * precision;
    previousRecall = recall;
  });
  return averagePrecision;
}

export const auprMetric = defineMetric<NoOptions>({
  name: 'aupr',
  summary: 'Average precision (area under the precision-recall curve), normal images as positives.',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => ({ compute: computeAupr }),
});

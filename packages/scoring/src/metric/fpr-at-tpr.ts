import { CsiError, defineMetric } from '@csi/core';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';
import { sweepThresholds } from './threshold-sweep.js';
import { assertScoresAndLabels } from './validate.js';

/**
 * Computes the false positive rate at the first threshold, going from the highest score down,
 * where the true positive rate reaches `targetTpr`. Normal images are the positive class, so
 * it is the fraction of anomalous images accepted as normal when at least `targetTpr` of the
 * normal images are. Tied scores form one threshold, and nothing is interpolated.
 *
 * @param scores [M_test] detection scores, larger = more normal; NaN is rejected.
 * @param isNormal [M_test] 1 for a normal image, 0 for an anomalous one; both must occur.
 * @param targetTpr in (0, 1]; 0.95 for FPR at 95% TPR.
 * @returns a value in [0, 1], lower is better.
 */
export function computeFprAtTpr(scores: Float32Array, isNormal: Uint8Array, targetTpr = 0.95): number {
  if (!(targetTpr > 0 && targetTpr <= 1)) {
    throw new CsiError(`computeFprAtTpr: targetTpr must be in (0, 1]; got ${targetTpr}`);
  }
  const metricName = targetTpr === 0.95 ? 'fpr-at-95-tpr' : `FPR at ${targetTpr} TPR`;
  const { numNormal, numAnomalous } = assertScoresAndLabels(metricName, scores, isNormal);
  const { truePositives, falsePositives } = sweepThresholds(scores, isNormal);

  for (let threshold = 0; threshold < truePositives.length; threshold++) {
    if (truePositives[threshold]! / numNormal >= targetTpr) {
      return falsePositives[threshold]! / numAnomalous;
    }
  }
  // The lowest threshold accepts every image, so TPR = 1 there and the loop always returns.
  throw new Error('computeFprAtTpr: unreachable, the last threshold has TPR = 1');
}

export const fprAt95TprMetric = defineMetric<NoOptions>({
  name: 'fpr-at-95-tpr',
  summary: 'False positive rate at 95% true positive rate, normal images as positives; lower is better.',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => ({ compute: (scores, isNormal) => computeFprAtTpr(scores, isNormal, 0.95) }),
});

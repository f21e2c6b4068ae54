import { defineMetric } from '@csi/core';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';
import { sortIndicesDescending } from './threshold-sweep.js';
import { assertScoresAndLabels } from './validate.js';

/**
 * Computes the exact area under the ROC curve with normal images as the positive class:
 * the probability that a random normal image scores higher than a random anomalous one, a tie
 * counting one half. This is the Mann-Whitney U of the normal scores divided by
 * n_normal · n_anomalous, from one sort with tied scores given their average rank.
 *
 * @param scores [M_test] detection scores, larger = more normal; NaN is rejected.
 * @param isNormal [M_test] 1 for a normal image, 0 for an anomalous one; both must occur.
 * @returns a value in [0, 1]: 1 when every normal image outscores every anomalous one,
 *   0.5 when all scores are tied.
 */
export function computeAuroc(scores: Float32Array, isNormal: Uint8Array): number {
  const { numNormal, numAnomalous } = assertScoresAndLabels('auroc', scores, isNormal);
  // Ranks count from the lowest score, so walk the descending order backwards.
  const order = sortIndicesDescending(scores).reverse();

  let normalRankSum = 0;
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) end++;
    // Positions start..end-1 hold ranks start+1..end, whose average is (start + 1 + end) / 2.
    const averageRank = (start + 1 + end) / 2;
    for (let position = start; position < end; position++) {
      if (isNormal[order[position]!] === 1) normalRankSum += averageRank;
    }
    start = end;
  }

  const mannWhitneyU = normalRankSum - (numNormal * (numNormal + 1)) / 2;
  return mannWhitneyU / (numNormal * numAnomalous);
}

export const aurocMetric = defineMetric<NoOptions>({
  name: 'auroc',
  summary: 'Area under the ROC curve, normal images as positives; ties count one half.',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => ({ compute: computeAuroc }),
});

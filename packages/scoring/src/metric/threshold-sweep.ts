/**
 * Cumulative counts at each distinct score threshold t, from the highest score to the lowest,
 * with "predicted normal" meaning score ≥ t. Tied scores share one threshold, so no order
 * among ties can change a metric.
 */
export interface ThresholdSweep {
  /** Normal images with score ≥ t (true positives, normal being the positive class). */
  truePositives: number[];
  /** Anomalous images with score ≥ t (false positives). */
  falsePositives: number[];
}

/** Sweeps the thresholds of `scores` (NaN-free) from high to low. */
export function sweepThresholds(scores: Float32Array, isNormal: Uint8Array): ThresholdSweep {
  const order = sortIndicesDescending(scores);
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  let numTrue = 0;
  let numFalse = 0;
  for (let position = 0; position < order.length; position++) {
    const image = order[position]!;
    if (isNormal[image] === 1) numTrue++;
    else numFalse++;
    const next = order[position + 1];
    const endOfTies = next === undefined || scores[next] !== scores[image];
    if (endOfTies) {
      truePositives.push(numTrue);
      falsePositives.push(numFalse);
    }
  }
  return { truePositives, falsePositives };
}

/** Image indices sorted by score, highest first. Uses < and > so that ±Infinity sort correctly. */
export function sortIndicesDescending(scores: Float32Array): Uint32Array {
  const order = Uint32Array.from(scores, (_, image) => image);
  return order.sort((a, b) => {
    if (scores[a]! > scores[b]!) return -1;
    if (scores[a]! < scores[b]!) return 1;
    return 0;
  });
}

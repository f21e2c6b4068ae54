import { RunError, type FeatureBank } from '@csi/core';
import { describeTrainingBank, readProjectionNorms, readTrueShiftLogits } from './feature-bank.js';

/** The balancing weights λ_con_y and λ_cls_y, one per shift y, in shift order. */
export interface BalancingWeights {
  /** λ_con_y = 1 / mean_m ||z(T_y x_m)||. */
  conSi: number[];
  /** λ_cls_y = 1 / |mean_m l_y(T_y x_m)|, from the mean shift-head logit of the true shift y. */
  clsSi: number[];
}

/**
 * Computes the weights that bring each shift's term of s_con-SI and s_cls-SI to about 1 on the
 * training data: λ_con_y = 1 / mean_m ||z(T_y x_m)|| and λ_cls_y = 1 / |mean_m l_y(T_y x_m)|.
 * Means are taken in double precision.
 *
 * NOTE: the authors divide by the signed mean logit. After short training that mean can be
 * negative, and a negative λ_cls_y would reverse its term, so that an image the shift head
 * recognises better would look less normal. Dividing by the magnitude keeps the direction of
 * every term and gives the authors' weight whenever the mean is positive, as it is after
 * ordinary training.
 *
 * @param train a bank of M ≥ 1 training images: projections [K, M, P], shiftLogits [K, M, K].
 * @returns K weights of each kind; Infinity when a mean is 0, which the scores reject.
 */
export function balancingWeights(train: FeatureBank): BalancingWeights {
  const { numShifts } = describeTrainingBank('balancingWeights', train);
  const conSi: number[] = [];
  const clsSi: number[] = [];
  for (let shift = 0; shift < numShifts; shift++) {
    conSi.push(1 / computeMean(readProjectionNorms(train, shift)));
    clsSi.push(1 / Math.abs(computeMean(readTrueShiftLogits(train, shift))));
  }
  return { conSi, clsSi };
}

/**
 * Throws a RunError unless every weight of the given kind is finite and positive. A negative
 * λ_cls_y would reverse its term, so an image the shift head recognises better would look
 * less normal.
 */
export function assertUsableWeights(scoreName: string, kind: keyof BalancingWeights, weights: BalancingWeights): void {
  weights[kind].forEach((weight, shift) => {
    if (Number.isFinite(weight) && weight > 0) return;
    const mean = 1 / weight;
    const reason =
      kind === 'conSi'
        ? `the mean projection norm of shift ${shift} on the training images is ${mean}, so λ_con = 1/mean is ${weight}`
        : `the mean shift-head logit of the true shift ${shift} on the training images is ${mean}, ` +
          `so λ_cls = 1/|mean| is ${weight}`;
    throw new RunError(
      `score "${scoreName}": ${reason}. The network has not learned this shift; train longer, or use a ` +
        `score without this term (${kind === 'conSi' ? 'cls-si' : 'con-si'}).`,
    );
  });
}

function computeMean(values: Float32Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

import { defineScore, type DetectionScore, type FeatureBank } from '@csi/core';
import { assertUsableWeights, balancingWeights } from '../balancing.js';
import { readTrueShiftLogits } from '../feature-bank.js';
import { createDetectionScore, scoreOnce } from '../fitted-score.js';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';

/** Checks and returns λ_cls_y; s_cls-SI keeps no tensors from the training bank. */
export function fitClsSi(train: FeatureBank, scoreName: string): readonly number[] {
  const weights = balancingWeights(train);
  assertUsableWeights(scoreName, 'clsSi', weights);
  return weights.clsSi;
}

/** Returns Σ_y λ_cls_y · l_y(T_y x) per test image, in double precision. */
export function computeClsSi(weights: readonly number[], test: FeatureBank): Float64Array {
  const total = new Float64Array(test.projections.shape[1]);
  weights.forEach((weight, shift) => {
    readTrueShiftLogits(test, shift).forEach((logit, image) => {
      total[image]! += weight * logit;
    });
  });
  return total;
}

/** Creates the score s_cls-SI. */
export function createClsSiScore(): DetectionScore {
  return createDetectionScore<readonly number[]>({
    name: 'cls-si',
    fit: (train) => fitClsSi(train, 'cls-si'),
    score: (weights, test) => Float32Array.from(computeClsSi(weights, test)),
    release: () => {},
  });
}

/**
 * Computes s_cls-SI(x) = Σ_y λ_cls_y · l_y(T_y x), where l_y is the shift head's logit for
 * the true shift y and λ_cls_y = 1 / mean_m l_y(T_y x_m). On the training images each term
 * averages exactly 1.
 *
 * @param train projections [K, M, P] and shiftLogits [K, M, K] of M ≥ 1 training images.
 * @param test the same for the test images, with the same K and P.
 * @returns [M_test] scores, larger = more normal; owns no tensor.
 * @throws RunError when a mean true-shift logit on the training images is not positive.
 */
export function scoreClsSi(train: FeatureBank, test: FeatureBank): Float32Array {
  return scoreOnce(createClsSiScore(), train, test);
}

export const clsSiScore = defineScore<NoOptions>({
  name: 'cls-si',
  summary: "s_cls-SI: balanced sum over shifts of the shift head's logit for the true shift.",
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => createClsSiScore(),
});

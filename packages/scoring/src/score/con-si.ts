import { defineScore, type DetectionScore, type FeatureBank } from '@csi/core';
import { assertUsableWeights, balancingWeights } from '../balancing.js';
import { createDetectionScore, scoreOnce } from '../fitted-score.js';
import { ShiftNeighbourIndex } from '../neighbour-index.js';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';
import { computeConTerm } from './con.js';

/** Training state of s_con-SI: the per-shift neighbour index and λ_con_y. */
export interface ConSiState {
  index: ShiftNeighbourIndex;
  weights: readonly number[];
}

/** Builds the con-SI state, checking the weights before any tensor is kept. */
export function fitConSi(train: FeatureBank, scoreName: string, numShifts: number): ConSiState {
  const weights = balancingWeights(train);
  assertUsableWeights(scoreName, 'conSi', weights);
  const shifts = Array.from({ length: numShifts }, (_, shift) => shift);
  return { index: new ShiftNeighbourIndex(train, shifts), weights: weights.conSi };
}

/** Returns Σ_y λ_con_y · s_con(T_y x; {T_y x_m}) per test image, in double precision. */
export function computeConSi(state: ConSiState, test: FeatureBank): Float64Array {
  const total = new Float64Array(test.projections.shape[1]);
  state.weights.forEach((weight, shift) => {
    const term = computeConTerm(state.index, test, shift);
    term.forEach((value, image) => {
      total[image]! += weight * value;
    });
  });
  return total;
}

/** Creates the score s_con-SI; `fit` keeps the normalised training projections of every shift. */
export function createConSiScore(): DetectionScore {
  return createDetectionScore<ConSiState>({
    name: 'con-si',
    fit: (train, shape) => fitConSi(train, 'con-si', shape.numShifts),
    score: (state, test) => Float32Array.from(computeConSi(state, test)),
    release: (state) => state.index.dispose(),
  });
}

/**
 * Computes s_con-SI(x) = Σ_y λ_con_y · max_m cos(z(T_y x_m), z(T_y x)) · ||z(T_y x)||, with
 * λ_con_y = 1 / mean_m ||z(T_y x_m)||. Shift y of a test image is compared with shift y of the
 * training images only.
 *
 * @param train projections [K, M, P] and shiftLogits [K, M, K] of M ≥ 1 training images.
 * @param test the same for the test images, with the same K and P.
 * @returns [M_test] scores, larger = more normal; owns no tensor.
 * @throws RunError when a shift's training projections are all zero (λ_con_y infinite).
 */
export function scoreConSi(train: FeatureBank, test: FeatureBank): Float32Array {
  return scoreOnce(createConSiScore(), train, test);
}

export const conSiScore = defineScore<NoOptions>({
  name: 'con-si',
  summary: 's_con-SI: balanced sum over shifts of the s_con score, each shift against the same shift of the training set.',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => createConSiScore(),
});

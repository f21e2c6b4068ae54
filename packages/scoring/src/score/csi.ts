import { defineScore, type DetectionScore, type FeatureBank } from '@csi/core';
import { createDetectionScore, scoreOnce } from '../fitted-score.js';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';
import { computeClsSi, fitClsSi } from './cls-si.js';
import { computeConSi, fitConSi, type ConSiState } from './con-si.js';

interface CsiState {
  conSi: ConSiState;
  clsSiWeights: readonly number[];
}

/** Creates the score s_CSI = s_con-SI + s_cls-SI. */
export function createCsiScore(): DetectionScore {
  return createDetectionScore<CsiState>({
    name: 'csi',
    fit: (train, shape) => {
      // The cls-SI weights are checked first because they keep no tensors.
      const clsSiWeights = fitClsSi(train, 'csi');
      return { conSi: fitConSi(train, 'csi', shape.numShifts), clsSiWeights };
    },
    score: (state, test) => {
      const conSi = computeConSi(state.conSi, test);
      const clsSi = computeClsSi(state.clsSiWeights, test);
      return Float32Array.from(conSi, (value, image) => value + clsSi[image]!);
    },
    release: (state) => state.conSi.index.dispose(),
  });
}

/**
 * Computes s_CSI(x) = s_con-SI(x) + s_cls-SI(x), each with its balancing weights.
 *
 * NOTE: the authors' code divides this sum by K. We do not, so that s_CSI equals the sum of
 * the `con-si` and `cls-si` scores. Dividing by a positive constant changes no AUROC, AUPR or
 * FPR, but raw values are K times the reference's.
 *
 * @param train projections [K, M, P] and shiftLogits [K, M, K] of M ≥ 1 training images.
 * @param test the same for the test images, with the same K and P.
 * @returns [M_test] scores, larger = more normal; owns no tensor.
 * @throws RunError when a balancing weight is infinite or not positive.
 */
export function scoreCsi(train: FeatureBank, test: FeatureBank): Float32Array {
  return scoreOnce(createCsiScore(), train, test);
}

export const csiScore = defineScore<NoOptions>({
  name: 'csi',
  summary: 's_CSI = s_con-SI + s_cls-SI, the CSI detection score (not divided by K).',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => createCsiScore(),
});

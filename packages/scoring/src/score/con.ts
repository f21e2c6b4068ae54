import { defineScore, type DetectionScore, type FeatureBank } from '@csi/core';
import { createDetectionScore, scoreOnce } from '../fitted-score.js';
import { readProjectionNorms } from '../feature-bank.js';
import { ShiftNeighbourIndex } from '../neighbour-index.js';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';

/** Returns ||z(T_y x)|| · max_m cos(z(T_y x_m), z(T_y x)) for each test image, in double precision. */
export function computeConTerm(index: ShiftNeighbourIndex, test: FeatureBank, shift: number): Float64Array {
  const maxCosine = index.computeMaxCosine(test, shift);
  const norms = readProjectionNorms(test, shift);
  return Float64Array.from(maxCosine, (cosine, image) => cosine * norms[image]!);
}

/** Creates the SimCLR score s_con: max cosine to the training set times the norm, shift 0 only. */
export function createConScore(): DetectionScore {
  return createDetectionScore<ShiftNeighbourIndex>({
    name: 'con',
    fit: (train) => new ShiftNeighbourIndex(train, [0]),
    score: (index, test) => Float32Array.from(computeConTerm(index, test, 0)),
    release: (index) => index.dispose(),
  });
}

/**
 * Computes s_con(x) = max_m cos(z(x_m), z(x)) · ||z(x)|| on the unshifted images (shift 0) of
 * both banks; the other shifts are ignored.
 *
 * @param train projections [K, M, P] and shiftLogits [K, M, K] of M ≥ 1 training images.
 * @param test the same for the test images, with the same K and P.
 * @returns [M_test] scores, larger = more normal; owns no tensor.
 */
export function scoreCon(train: FeatureBank, test: FeatureBank): Float32Array {
  return scoreOnce(createConScore(), train, test);
}

export const conScore = defineScore<NoOptions>({
  name: 'con',
  summary: 'SimCLR score s_con: max cosine similarity to the training set times the norm, unshifted images only.',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => createConScore(),
});

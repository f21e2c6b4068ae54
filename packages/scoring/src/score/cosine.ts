import { defineScore, type DetectionScore, type FeatureBank } from '@csi/core';
import { createDetectionScore, scoreOnce } from '../fitted-score.js';
import { ShiftNeighbourIndex } from '../neighbour-index.js';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';

/** Creates the baseline score max_m cos(z(x_m), z(x)) on unshifted images. */
export function createCosineScore(): DetectionScore {
  return createDetectionScore<ShiftNeighbourIndex>({
    name: 'cosine',
    fit: (train) => new ShiftNeighbourIndex(train, [0]),
    score: (index, test) => index.computeMaxCosine(test, 0),
    release: (index) => index.dispose(),
  });
}

/**
 * Computes the baseline score max_m cos(z(x_m), z(x)) on the unshifted images (shift 0): s_con
 * without the norm.
 *
 * @returns [M_test] scores in [−1, 1], larger = more normal; owns no tensor.
 */
export function scoreCosine(train: FeatureBank, test: FeatureBank): Float32Array {
  return scoreOnce(createCosineScore(), train, test);
}

export const cosineScore = defineScore<NoOptions>({
  name: 'cosine',
  summary: 'Baseline score: max cosine similarity of z(x) to the training set, unshifted images only.',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => createCosineScore(),
});

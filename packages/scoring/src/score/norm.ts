import { defineScore, type DetectionScore, type FeatureBank } from '@csi/core';
import { readProjectionNorms } from '../feature-bank.js';
import { createDetectionScore, scoreOnce } from '../fitted-score.js';
import { NO_OPTIONS_SCHEMA, type NoOptions } from '../no-options.js';

/** Creates the baseline score ||z(x)|| on unshifted images; `fit` only checks the training bank. */
export function createNormScore(): DetectionScore {
  return createDetectionScore<null>({
    name: 'norm',
    fit: () => null,
    score: (_state, test) => readProjectionNorms(test, 0),
    release: () => {},
  });
}

/**
 * Computes the baseline score ||z(x)||, the norm of the projection of the unshifted test image
 * (shift 0). The training bank is not used beyond its shape check.
 *
 * @returns [M_test] scores ≥ 0, larger = more normal; owns no tensor.
 */
export function scoreNorm(train: FeatureBank, test: FeatureBank): Float32Array {
  return scoreOnce(createNormScore(), train, test);
}

export const normScore = defineScore<NoOptions>({
  name: 'norm',
  summary: 'Baseline score: the norm of the projection z(x) of the unshifted image.',
  optionsSchema: NO_OPTIONS_SCHEMA,
  create: () => createNormScore(),
});

import { CsiError, type DetectionScore, type FeatureBank } from '@csi/core';
import { assertSameShiftsAndSize, describeFeatureBank, describeTrainingBank, type BankShape } from './feature-bank.js';

/** The two steps of a detection score: fitting the training bank and scoring a test bank. */
export interface ScoreDefinition<State> {
  /** The component name, used in error messages. */
  name: string;
  /** Keeps what scoring needs from the training bank; any tensors in the state are freed by `release`. */
  fit(train: FeatureBank, shape: BankShape): State;
  /** Returns one score per test image; larger means more normal. */
  score(state: State, test: FeatureBank, shape: BankShape): Float32Array;
  release(state: State): void;
}

/**
 * Wraps a score definition as a DetectionScore that validates both banks, frees the previous
 * state on a second `fit`, and rejects `score` before `fit` or after `dispose`.
 */
export function createDetectionScore<State>(definition: ScoreDefinition<State>): DetectionScore {
  let fitted: { state: State; shape: BankShape } | undefined;
  const label = `score "${definition.name}"`;

  return {
    fit(train) {
      const shape = describeTrainingBank(label, train);
      const state = definition.fit(train, shape);
      if (fitted) definition.release(fitted.state);
      fitted = { state, shape };
    },
    score(test) {
      if (!fitted) {
        throw new CsiError(`${label}: score() was called before fit(); call fit() with the training feature bank first`);
      }
      const shape = describeFeatureBank(label, 'test', test);
      assertSameShiftsAndSize(label, fitted.shape, shape);
      return definition.score(fitted.state, test, shape);
    },
    dispose() {
      if (fitted) definition.release(fitted.state);
      fitted = undefined;
    },
  };
}

/** Fits `score` on `train`, scores `test` and disposes it, even when scoring throws. */
export function scoreOnce(score: DetectionScore, train: FeatureBank, test: FeatureBank): Float32Array {
  try {
    score.fit(train);
    return score.score(test);
  } finally {
    score.dispose();
  }
}

import type { Tensor3D } from '@tensorflow/tfjs-core';

/**
 * Network outputs for a set of M images under each of the K shifts, after the test-time
 * ensemble (if any) has averaged them. The owner of the bank disposes its tensors.
 */
export interface FeatureBank {
  /** z(T_y x_m): [K, M, P], not normalised. */
  projections: Tensor3D;
  /** Shift-head logits for T_y x_m: [K, M, K]. */
  shiftLogits: Tensor3D;
}

/** A detection score; larger means more normal. */
export interface DetectionScore {
  /** Stores what the score needs from the training features (nearest neighbours, balancing weights). */
  fit(train: FeatureBank): void;
  /** Returns one score per test image, [M_test]. */
  score(test: FeatureBank): Float32Array;
  /** Frees the tensors kept by `fit`. */
  dispose(): void;
}

/** A metric over detection scores, e.g. AUROC. `isNormal[i]` is 1 for a normal image, 0 otherwise. */
export interface Metric {
  compute(scores: Float32Array, isNormal: Uint8Array): number;
}

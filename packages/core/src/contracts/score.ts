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
  /**
   * f(T_y x_m), the penultimate features: [K, M, D]. The runner fills it only for a score whose
   * descriptor has `classLabels: 'needed'`, because it is the largest part of the bank.
   */
  features?: Tensor3D;
  /**
   * Class index of each image, [M], with `numClasses` C. Filled only for a score whose descriptor
   * has `classLabels: 'needed'`, in a labelled protocol. Train labels lie in [0, C).
   */
  labels?: Int32Array;
  numClasses?: number;
}

/** A detection score; larger means more normal. */
export interface DetectionScore {
  /** Stores what the score needs from the training features (nearest neighbours, balancing weights). */
  fit(train: FeatureBank): void;
  /** Returns one score per test image, [M_test]. */
  score(test: FeatureBank): Float32Array;
  /**
   * Implemented by scores that are also classifiers: the class probabilities of each test image,
   * [M_test, C] row-major, each row summing to 1. The runner reports accuracy and calibration
   * error from them.
   */
  classProbabilities?(test: FeatureBank): Float32Array;
  /** Frees the tensors kept by `fit`. */
  dispose(): void;
}

/** A metric over detection scores, e.g. AUROC. `isNormal[i]` is 1 for a normal image, 0 otherwise. */
export interface Metric {
  compute(scores: Float32Array, isNormal: Uint8Array): number;
}

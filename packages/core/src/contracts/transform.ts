import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { RandomSource } from '../random.js';

/**
 * A shift transform T_0..T_{K-1}: each variant changes what an image is, so T_y(x) is treated
 * as a different instance (a negative in con-SI, class y for the shift head). T_0 is the
 * identity for every built-in transform.
 */
export interface ShiftTransform {
  /** K, the number of variants. */
  readonly numShifts: number;
  /**
   * Applies variant `shift` (0 ≤ shift < K) to every image.
   * images: [N, H, W, C] float32 in [0, 1], NHWC. Returns a new tensor of the same shape that
   * the caller disposes; `images` is left as it is.
   */
  apply(images: Tensor4D, shift: number): Tensor4D;
}

/**
 * A soft (align) augmentation: a random transformation that keeps an image's meaning. Each image
 * of a batch gets its own random draw from `random`.
 *
 * `stage` says where it runs. A horizontal flip must run before the shift: flipping a rotated
 * image equals rotating the flipped image the other way, so a flip after the shift would
 * mislabel the 90° and 270° rotations for the shift head.
 */
export interface SoftAugmentation {
  readonly stage: 'before-shift' | 'after-shift';
  /**
   * images: [N, H, W, C] float32 in [0, 1], NHWC. Returns a new tensor of the same shape and
   * range that the caller disposes.
   */
  apply(images: Tensor4D, random: RandomSource): Tensor4D;
}

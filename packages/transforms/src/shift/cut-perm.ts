import * as tf from '@tensorflow/tfjs-core';
import { defineShiftTransform, type Tensor4D } from '@csi/core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';

/** K: the identity and three rearrangements of the 2×2 quadrants. */
const NUM_VARIANTS = 4;

/**
 * Rearranges the 2×2 quadrants of each image. The variants follow the CutPerm layer of the
 * authors' code (index bit 0 swaps left and right, bit 1 swaps top and bottom):
 *
 * - 0: the identity;
 * - 1: the left and right halves swap places;
 * - 2: the top and bottom halves swap places;
 * - 3: both swaps, so each quadrant moves to the diagonally opposite corner.
 *
 * The cut is at floor(H/2) and floor(W/2) as in the authors' code, so for an odd size the first
 * half is one row (or column) shorter than the second, and a half-swap is a cyclic roll by that
 * amount.
 */
export const cutPermShift = defineShiftTransform<Record<string, never>>({
  name: 'cut-perm',
  summary: 'Swaps the left/right and top/bottom halves of each image; K = 4.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    numShifts: NUM_VARIANTS,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => {
      assertImageBatch('cut-perm', images);
      assertShiftIndex('cut-perm', shift, NUM_VARIANTS);
      return permuteQuadrants(images, shift);
    },
  }),
});

/**
 * Applies cut-perm variant `variant` (0-3, see `cutPermShift`).
 * images: [N, H, W, C] float32 in [0, 1]. Returns [N, H, W, C] that the caller disposes.
 */
export function permuteQuadrants(images: Tensor4D, variant: number): Tensor4D {
  const [, height, width] = images.shape;
  const swapLeftRight = variant % 2 === 1;
  const swapTopBottom = Math.floor(variant / 2) === 1;
  return tf.tidy(() => {
    let result = tf.clone(images);
    if (swapTopBottom) result = tf.gather(result, rollIndices(height), 1);
    if (swapLeftRight) result = tf.gather(result, rollIndices(width), 2);
    return result;
  });
}

/** Indices [mid, …, size-1, 0, …, mid-1] with mid = floor(size / 2): the second half first. */
function rollIndices(size: number): tf.Tensor1D {
  const mid = Math.floor(size / 2);
  return tf.tensor1d(
    Int32Array.from({ length: size }, (_, i) => (i + mid) % size),
    'int32',
  );
}

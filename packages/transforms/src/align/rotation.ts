import * as tf from '@tensorflow/tfjs-core';
import { defineSoftAugmentation, ShapeError, type RandomSource, type Tensor4D } from '@csi/core';
import { assertImageBatch } from '../image-batch.js';
import { rotateQuarterTurns } from '../shift/rotation.js';

export interface RotationAugmentationOptions {
  /** Counter-clockwise quarter turns to draw from, uniformly, once per image. */
  quarterTurns: number[];
}

/**
 * Rotation as a soft augmentation, the "+Align" role of rotation in the CSI paper's ablation
 * (Tack et al., NeurIPS 2020). Each image is turned counter-clockwise by a quarter turn drawn
 * uniformly from `quarterTurns`, so two views of an image may have different angles and are
 * still a positive pair. The shift transform of the same name is rotation in the "+Shift" role.
 *
 * It runs after the shift. With a rotation shift in the same spec, the angle it adds would make
 * the shift label wrong for the shift head, so use it where `train.shift` has no rotation.
 */
export const rotationAugmentation = defineSoftAugmentation<RotationAugmentationOptions>({
  name: 'rotation',
  summary: 'Rotates each image by a quarter turn drawn uniformly from quarterTurns (after the shift); square images only.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      quarterTurns: {
        type: 'array',
        items: { enum: [0, 1, 2, 3] },
        minItems: 1,
        uniqueItems: true,
        default: [0, 1, 2, 3],
        description: 'Counter-clockwise quarter turns to draw from, e.g. [0, 2] for 0° or 180°.',
      },
    },
  },
  create: ({ quarterTurns }) => ({
    stage: 'after-shift',
    apply: (images: Tensor4D, random: RandomSource) => rotateRandomly(images, random, quarterTurns),
  }),
});

/**
 * Turns image n counter-clockwise by `quarterTurns[j_n]` quarter turns, with j_n drawn by
 * `random.integer(0, quarterTurns.length − 1)`, one draw per image in image order.
 *
 * images: [N, H, W, C] float32 in [0, 1], NHWC, with H = W. Returns a new [N, H, W, C] float32
 * tensor that the caller disposes; `images` is left as it is. Throws ShapeError for a tensor that
 * is not rank 4, or for non-square images.
 */
export function rotateRandomly(images: Tensor4D, random: RandomSource, quarterTurns: readonly number[]): Tensor4D {
  assertImageBatch('rotation (augmentation)', images);
  const [count, height, width] = images.shape;
  if (height !== width) {
    throw new ShapeError(
      `rotation (augmentation): images must be square (H = W), because a quarter turn swaps height and width; got [${images.shape.join(', ')}]`,
    );
  }
  const drawn = Array.from({ length: count }, () => random.integer(0, quarterTurns.length - 1));
  return tf.tidy(() => {
    // Every angle is applied to the whole batch, and each image is then picked from its angle's copy.
    const rotated = tf.concat(quarterTurns.map((turns) => rotateQuarterTurns(images, turns)), 0);
    const picks = drawn.map((angle, image) => angle * count + image);
    return tf.gather(rotated, tf.tensor1d(picks, 'int32')) as Tensor4D;
  });
}

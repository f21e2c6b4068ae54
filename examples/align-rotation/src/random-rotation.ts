import * as tf from '@tensorflow/tfjs-core';
import { defineSoftAugmentation, ShapeError, type RandomSource, type Tensor4D } from '@csi/core';

export interface RandomRotationOptions {
  /** Counter-clockwise quarter turns to draw from, uniformly, once per image. */
  quarterTurns: number[];
}

/**
 * Random rotation as a soft augmentation: each image is turned counter-clockwise by a quarter
 * turn drawn uniformly from `quarterTurns`. This is rotation in the "+Align" role of the CSI
 * ablation: two views of an image may have different angles and are still a positive pair.
 *
 * It runs after the shift. With a rotation shift in the same spec, the angle it adds would make
 * the shift label wrong for the shift head, so use it where `train.shift` has no rotation.
 */
export const randomRotationAugmentation = defineSoftAugmentation<RandomRotationOptions>({
  name: 'random-rotation',
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
  if (images.rank !== 4) {
    throw new ShapeError(`random-rotation: images must be [N, H, W, C]; got [${images.shape.join(', ')}]`);
  }
  const [count, height, width] = images.shape;
  if (height !== width) {
    throw new ShapeError(
      `random-rotation: images must be square (H = W), because a quarter turn swaps height and width; got [${images.shape.join(', ')}]`,
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

/** Turns every image of [N, H, W, C] (H = W) counter-clockwise by `turns` quarter turns. */
function rotateQuarterTurns(images: Tensor4D, turns: number): Tensor4D {
  switch (turns) {
    case 0:
      return tf.clone(images);
    case 1:
      return tf.reverse(tf.transpose(images, [0, 2, 1, 3]), 1);
    case 2:
      return tf.reverse(images, [1, 2]);
    default:
      return tf.reverse(tf.transpose(images, [0, 2, 1, 3]), 2);
  }
}

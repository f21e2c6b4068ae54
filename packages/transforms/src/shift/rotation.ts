import * as tf from '@tensorflow/tfjs-core';
import { defineShiftTransform, ShapeError, SpecError, type Tensor4D } from '@csi/core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { flipLeftRight, flipUpDown } from '../ops/flips.js';

export interface RotationOptions {
  /** The quarter turns of each variant, T_y = rotation by 90°·quarterTurns[y]; the first must be 0. */
  quarterTurns: number[];
}

export const rotationShift = defineShiftTransform<RotationOptions>({
  name: 'rotation',
  summary: 'Rotates counter-clockwise by multiples of 90 degrees; K is the number of angles.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      quarterTurns: {
        type: 'array',
        items: { enum: [0, 1, 2, 3] },
        uniqueItems: true,
        minItems: 2,
        default: [0, 1, 2, 3],
        description: 'Counter-clockwise quarter turns, one per variant; starts with 0 (the identity).',
      },
    },
  },
  create: ({ quarterTurns }) => {
    if (quarterTurns[0] !== 0) {
      throw new SpecError([
        {
          path: 'quarterTurns',
          message: `rotation: quarterTurns must start with 0 because variant 0 is the identity; got [${quarterTurns.join(', ')}]. Write e.g. [0, ${quarterTurns.filter((turns) => turns !== 0).join(', ')}].`,
        },
      ]);
    }
    const turnsSwapAxes = quarterTurns.some((turns) => turns % 2 === 1);
    return {
      numShifts: quarterTurns.length,
      // images [N, H, W, C] with H = W when any variant is an odd quarter turn -> [N, H, W, C]
      apply: (images: Tensor4D, shift: number) => {
        assertImageBatch('rotation', images);
        assertShiftIndex('rotation', shift, quarterTurns.length);
        // Checked for every variant, not only the odd ones, so a bad batch fails on variant 0 too.
        if (turnsSwapAxes) assertSquare(images, quarterTurns);
        return rotateQuarterTurns(images, quarterTurns[shift] ?? 0);
      },
    };
  },
});

/**
 * Rotates every image counter-clockwise by 90°·quarterTurns, as torch.rot90(x, k, dims=(H, W))
 * does in the authors' code: one quarter turn moves the right column to the top row.
 *
 * images: [N, H, W, C] float32 in [0, 1], NHWC. Returns [N, W, H, C] for an odd number of
 * turns and [N, H, W, C] otherwise, with the same values; the caller disposes it.
 */
export function rotateQuarterTurns(images: Tensor4D, quarterTurns: number): Tensor4D {
  const turns = ((quarterTurns % 4) + 4) % 4;
  return tf.tidy(() => {
    switch (turns) {
      case 1:
        return tf.transpose(flipLeftRight(images), [0, 2, 1, 3]);
      case 2:
        return flipUpDown(flipLeftRight(images));
      case 3:
        return flipLeftRight(tf.transpose(images, [0, 2, 1, 3]));
      default:
        return tf.clone(images);
    }
  });
}

function assertSquare(images: Tensor4D, quarterTurns: readonly number[]): void {
  const [, height, width] = images.shape;
  if (height === width) return;
  throw new ShapeError(
    `rotation: images must be square [N, H, W, C] with H = W, because a quarter turn swaps H and W and every variant must keep the batch shape; got [${images.shape.join(', ')}]. ` +
      `Crop or resize the images to a square, or use quarterTurns: [0, 2] (found [${quarterTurns.join(', ')}]).`,
  );
}

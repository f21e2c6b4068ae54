import { defineShiftTransform, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { eraseSquares, type Square } from '../ops/square-erase.js';

export interface CutoutShiftOptions {
  /** Side of the square as a fraction of the shorter image side. */
  size: number;
}

/**
 * K = 2: variant 0 is the identity, variant 1 sets a centred square to 0. Cutout as an
 * augmentation draws the position, but a shift variant must be the same transformation every
 * time, or the shift head would be asked to recognise a moving target; so the square sits at the
 * centre: top = floor((H - s) / 2), left = floor((W - s) / 2), s = max(1, round(size · min(H, W))).
 */
export const cutoutShift = defineShiftTransform<CutoutShiftOptions>({
  name: 'cutout',
  summary: 'Sets a centred square to 0 (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // Half the side is the 16-pixel square on 32-pixel CIFAR-10 images of the Cutout paper
      // (DeVries and Taylor, 2017).
      size: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.5,
        description: 'Side of the square as a fraction of the shorter image side.',
      },
    },
  },
  create: ({ size }) => ({
    numShifts: 2,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => {
      assertImageBatch('cutout', images);
      assertShiftIndex('cutout', shift, 2);
      if (shift === 0) return tf.clone(images);
      const square = centredSquare(images.shape[1], images.shape[2], size);
      return eraseSquares(images, new Array<Square>(images.shape[0]).fill(square));
    },
  }),
});

/** The square of side max(1, round(size · min(H, W))) at the centre, rounded towards the top left. */
export function centredSquare(height: number, width: number, size: number): Square {
  const side = Math.max(1, Math.round(size * Math.min(height, width)));
  return { top: Math.floor((height - side) / 2), left: Math.floor((width - side) / 2), size: side };
}

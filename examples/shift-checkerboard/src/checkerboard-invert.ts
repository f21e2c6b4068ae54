import * as tf from '@tensorflow/tfjs-core';
import { defineShiftTransform, ShapeError, type Tensor4D } from '@csi/core';

export interface CheckerboardInvertOptions {
  /** Side of one checkerboard square, in pixels. */
  tileSize: number;
}

/**
 * K = 2: variant 0 is the identity; variant 1 inverts (x → 1 − x) every pixel of the dark
 * squares of a checkerboard laid from the top-left corner, whose top-left square stays as it is.
 */
export const checkerboardInvertShift = defineShiftTransform<CheckerboardInvertOptions>({
  name: 'checkerboard-invert',
  summary: 'Inverts pixel values (1 − x) on alternate squares of a checkerboard (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      tileSize: {
        type: 'integer',
        minimum: 1,
        default: 7,
        description: 'Side of one square in pixels; 7 lays a 4 × 4 board on a 28 × 28 image.',
      },
    },
  },
  create: ({ tileSize }) => ({
    numShifts: 2,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => invertCheckerboard(images, shift, tileSize),
  }),
});

/**
 * Applies variant `shift` of the checkerboard inversion. Pixel (y, x) lies on a dark square
 * when floor(y / tileSize) + floor(x / tileSize) is odd; there every channel becomes 1 − x.
 *
 * images: [N, H, W, C] float32 in [0, 1], NHWC. Returns a new [N, H, W, C] float32 tensor in
 * [0, 1] that the caller disposes; `images` is left as it is. Throws ShapeError for a tensor
 * that is not rank 4 or a shift outside {0, 1}.
 */
export function invertCheckerboard(images: Tensor4D, shift: number, tileSize: number): Tensor4D {
  if (images.rank !== 4) {
    throw new ShapeError(`checkerboard-invert: images must be [N, H, W, C]; got [${images.shape.join(', ')}]`);
  }
  if (shift !== 0 && shift !== 1) {
    throw new ShapeError(`checkerboard-invert: shift must be 0 (identity) or 1 (inverted squares) because K = 2; got ${shift}`);
  }
  if (shift === 0) return tf.clone(images);

  const [, height, width] = images.shape;
  const mask = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      mask[y * width + x] = (Math.floor(y / tileSize) + Math.floor(x / tileSize)) % 2;
    }
  }
  // x + mask · (1 − 2x) is 1 − x where the mask is 1 and x where it is 0.
  return tf.tidy(() => tf.add(images, tf.mul(tf.tensor4d(mask, [1, height, width, 1]), tf.sub(1, tf.mul(2, images)))));
}

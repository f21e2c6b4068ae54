import * as tf from '@tensorflow/tfjs-core';
import { defineShiftTransform, ShapeError, type Tensor4D } from '@csi/core';

export interface ColorInvertOptions {
  /** Channel indices that variant 1 inverts; every channel when left out. */
  channels?: number[];
}

/**
 * K = 2: variant 0 is the identity, variant 1 maps each pixel value x to 1 − x (the photographic
 * negative), on every channel or on the listed ones.
 */
export const colorInvertShift = defineShiftTransform<ColorInvertOptions>({
  name: 'color-invert',
  summary: 'Inverts pixel values to 1 − x (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      channels: {
        type: 'array',
        items: { type: 'integer', minimum: 0 },
        minItems: 1,
        uniqueItems: true,
        description: 'Channel indices to invert, e.g. [0] for red only; every channel when left out.',
      },
    },
  },
  create: ({ channels }) => ({
    numShifts: 2,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => invertColors(images, shift, channels),
  }),
});

/**
 * Applies variant `shift` of the colour inversion. images: [N, H, W, C] float32 in [0, 1], NHWC.
 * Returns a new [N, H, W, C] float32 tensor in [0, 1] that the caller disposes; `images` is left
 * as it is. Throws ShapeError for a tensor that is not rank 4, a shift outside {0, 1}, or a
 * channel index that the images do not have.
 */
export function invertColors(images: Tensor4D, shift: number, channels?: readonly number[]): Tensor4D {
  if (images.rank !== 4) {
    throw new ShapeError(`color-invert: images must be [N, H, W, C]; got [${images.shape.join(', ')}]`);
  }
  if (shift !== 0 && shift !== 1) {
    throw new ShapeError(`color-invert: shift must be 0 (identity) or 1 (inverted) because K = 2; got ${shift}`);
  }
  if (shift === 0) return tf.clone(images);

  const numChannels = images.shape[3];
  if (channels === undefined) return tf.tidy(() => tf.sub(1, images));
  const outside = channels.filter((channel) => channel >= numChannels);
  if (outside.length > 0) {
    throw new ShapeError(
      `color-invert: channels [${outside.join(', ')}] do not exist in images of shape [${images.shape.join(', ')}] ` +
        `(C = ${numChannels}); use channel indices below ${numChannels}`,
    );
  }
  // x + mask · (1 − 2x) is 1 − x where mask is 1 and x where it is 0.
  const mask = new Float32Array(numChannels);
  for (const channel of channels) mask[channel] = 1;
  return tf.tidy(() => tf.add(images, tf.mul(tf.tensor1d(mask), tf.sub(1, tf.mul(2, images)))));
}

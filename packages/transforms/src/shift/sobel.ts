import { defineShiftTransform, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { padByEdgeRepeat } from '../ops/edge-padding.js';

/** Horizontal Sobel kernel (derivative along W), rows then columns. */
const SOBEL_X = [
  [-1, 0, 1],
  [-2, 0, 2],
  [-1, 0, 1],
];

/**
 * The largest gradient magnitude sqrt(gx² + gy²) that the 3×3 Sobel kernels give on pixels in
 * [0, 1]: √20, reached where gx = 4 and gy = 2 (e.g. the lower-right five pixels of the 3×3 window
 * at 1, the rest at 0). The magnitude is convex in the pixels, so the maximum lies on a corner of
 * [0, 1]^9, and a search over all 512 corners gives √20.
 */
export const SOBEL_MAX_MAGNITUDE = Math.sqrt(20);

/**
 * K = 2: variant 0 is the identity, variant 1 replaces each channel by its Sobel gradient
 * magnitude, divided by √20 so it lies in [0, 1]. Borders repeat the edge pixels (kornia's
 * sobel does the same), so a constant image maps to 0 everywhere.
 */
export const sobelShift = defineShiftTransform<Record<string, never>>({
  name: 'sobel',
  summary: 'Replaces each channel by its Sobel gradient magnitude (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    numShifts: 2,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => {
      assertImageBatch('sobel', images);
      assertShiftIndex('sobel', shift, 2);
      if (shift === 0) return tf.clone(images);
      return computeSobelMagnitude(images);
    },
  }),
});

/**
 * Computes the Sobel gradient magnitude of every channel, divided by √20.
 * images: [N, H, W, C] float32 in [0, 1]. Returns [N, H, W, C] float32 in [0, 1] that the
 * caller disposes.
 */
export function computeSobelMagnitude(images: Tensor4D): Tensor4D {
  const [count, height, width, channels] = images.shape;
  return tf.tidy(() => {
    // Depthwise filter [3, 3, C, 2]: multiplier 0 is gx, multiplier 1 is gy, for every channel.
    const filter = new Float32Array(3 * 3 * channels * 2);
    for (let row = 0; row < 3; row++) {
      for (let column = 0; column < 3; column++) {
        for (let channel = 0; channel < channels; channel++) {
          const cell = ((row * 3 + column) * channels + channel) * 2;
          filter[cell] = SOBEL_X[row]?.[column] ?? 0;
          filter[cell + 1] = SOBEL_X[column]?.[row] ?? 0;
        }
      }
    }
    const gradients = tf.depthwiseConv2d(
      padByEdgeRepeat(images),
      tf.tensor4d(filter, [3, 3, channels, 2]),
      1,
      'valid',
    );
    // Output channel c·2 + m is multiplier m of input channel c.
    const pairs = tf.reshape(gradients, [count, height, width, channels, 2]);
    const magnitude = tf.sqrt(tf.sum(tf.square(pairs), 4));
    return tf.clipByValue(tf.div(magnitude, SOBEL_MAX_MAGNITUDE), 0, 1) as Tensor4D;
  });
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * Pads H and W by one pixel on each side by repeating the edge pixels (replicate padding).
 * images: [N, H, W, C]. Returns [N, H + 2, W + 2, C] that the caller disposes.
 *
 * tfjs `pad` has no replicate mode; edge slices joined by `concat` work for any size, including
 * H = 1, and run faster on tfjs-backend-cpu than a `gather` with clamped indices.
 */
export function padByEdgeRepeat(images: tf.Tensor4D): tf.Tensor4D {
  const [count, height, width, channels] = images.shape;
  return tf.tidy(() => {
    const firstRow = tf.slice(images, [0, 0, 0, 0], [count, 1, width, channels]);
    const lastRow = tf.slice(images, [0, height - 1, 0, 0], [count, 1, width, channels]);
    const tall = tf.concat([firstRow, images, lastRow], 1);
    const firstColumn = tf.slice(tall, [0, 0, 0, 0], [count, height + 2, 1, channels]);
    const lastColumn = tf.slice(tall, [0, 0, width - 1, 0], [count, height + 2, 1, channels]);
    return tf.concat([firstColumn, tall, lastColumn], 2);
  });
}

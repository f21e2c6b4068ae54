import * as tf from '@tensorflow/tfjs-core';

/**
 * Multiplies every pixel (a row vector of C channels) by a C×C matrix of its image:
 * output[n, h, w, :] = images[n, h, w, :] · matrices[n], with matrices[n] row-major.
 * images: [N, H, W, C]. Returns [N, H, W, C] float32 that the caller disposes.
 */
export function mixChannels(images: tf.Tensor4D, matrices: readonly (readonly number[])[]): tf.Tensor4D {
  const [count, height, width, channels] = images.shape;
  return tf.tidy(() => {
    const pixels = tf.reshape(images, [count, height * width, channels]);
    // One matrix per image, even when all are equal: on tfjs-backend-cpu 4.22 this batched
    // product ran about 8 times faster than one [N·H·W, C] × [C, C] product.
    const stacked = tf.tensor3d(Float32Array.from(matrices.flat()), [count, channels, channels]);
    return tf.reshape(tf.matMul(pixels, stacked), images.shape);
  });
}

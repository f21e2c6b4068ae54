import * as tf from '@tensorflow/tfjs-core';
import { expandPerImage } from './per-image.js';

/**
 * Adds zero-mean Gaussian noise with a standard deviation per image, then clips to [0, 1].
 * An image whose std is 0 comes back exactly as it was.
 *
 * images: [N, H, W, C] float32 in [0, 1]; stds: N standard deviations in intensity units.
 * `seed` makes the noise reproducible (tf.randomNormal, which runs in JavaScript on every
 * backend). Returns [N, H, W, C] float32 in [0, 1] that the caller disposes.
 */
export function addGaussianNoise(images: tf.Tensor4D, stds: readonly number[], seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const noise = tf.randomNormal(images.shape, 0, 1, 'float32', seed);
    return tf.clipByValue(tf.add(images, tf.mul(noise, expandPerImage(stds, images.shape))), 0, 1) as tf.Tensor4D;
  });
}

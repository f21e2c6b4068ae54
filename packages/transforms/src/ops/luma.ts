import * as tf from '@tensorflow/tfjs-core';
import { mixChannels } from './channel-mix.js';

/**
 * ITU-R BT.601 luma weights for R, G, B. torchvision's rgb_to_grayscale and the authors'
 * RandomColorGrayLayer use the same three numbers.
 */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/**
 * Computes the luma Y = 0.299·R + 0.587·G + 0.114·B of each pixel.
 * images: [N, H, W, 3] float32 in [0, 1]. Returns [N, H, W, 1] float32 in [0, 1] that the
 * caller disposes.
 */
export function computeLuma(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sum(tf.mul(images, tf.tensor1d([...LUMA_WEIGHTS])), 3, true));
}

/**
 * Computes the luma of each pixel and writes it into all three channels.
 * images: [N, H, W, 3] float32 in [0, 1]. Returns [N, H, W, 3] float32 that the caller disposes.
 */
export function replicateLuma(images: tf.Tensor4D): tf.Tensor4D {
  // Every column of the 3×3 matrix contains the luma weights, so pixel · matrix = (Y, Y, Y).
  const matrix = [0, 1, 2].flatMap((row) => [0, 1, 2].map(() => LUMA_WEIGHTS[row] ?? 0));
  return mixChannels(images, new Array<number[]>(images.shape[0]).fill(matrix));
}

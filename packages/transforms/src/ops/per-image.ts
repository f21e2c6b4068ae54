import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from '@csi/core';

// Per-image values are expanded to the full [N, H, W, C] shape before they meet the images.
// tfjs-backend-cpu 4.22, whose kernels the native backend reuses, broadcasts a [N, 1, 1, 1]
// operand on a slow path that computes a location per element. On a [256, 32, 32, 3] batch a
// broadcast multiply took about 25 times as long as the expansion and a same-shape multiply
// together.

/**
 * Builds a float32 tensor of `shape` [N, H, W, C] whose image n is filled with values[n]. The
 * caller disposes it (or creates it inside tf.tidy).
 */
export function expandPerImage(values: readonly number[], shape: readonly number[]): tf.Tensor4D {
  const full = new Float32Array(sizeOf(shape));
  const perImage = full.length / values.length;
  values.forEach((value, image) => full.fill(value, image * perImage, (image + 1) * perImage));
  return tf.tensor4d(full, asShape4D(shape), 'float32');
}

/**
 * Builds a bool mask of `shape` [N, H, W, C] that is true throughout image n when flags[n] is,
 * for `tf.where` on an image batch. The caller disposes it.
 */
export function expandPerImageMask(flags: readonly boolean[], shape: readonly number[]): tf.Tensor4D {
  const full = new Uint8Array(sizeOf(shape));
  const perImage = full.length / flags.length;
  flags.forEach((flag, image) => {
    if (flag) full.fill(1, image * perImage, (image + 1) * perImage);
  });
  return tf.tensor4d(full, asShape4D(shape), 'bool');
}

/**
 * Repeats a per-image tensor (N values, e.g. [N, 1, 1, 1]) over the full `shape` [N, H, W, C]
 * with one batched matrix product, for values that exist only as a tensor (an image mean).
 * Returns float32 that the caller disposes.
 */
export function broadcastPerImage(perImage: tf.Tensor, shape: readonly number[]): tf.Tensor4D {
  const [count = 0, ...rest] = shape;
  const perImageSize = sizeOf(rest);
  return tf.tidy(() => {
    const column = tf.reshape(perImage, [count, 1, 1]);
    const row = tf.ones([1, 1, perImageSize]);
    return tf.reshape(tf.matMul(column, row), asShape4D(shape));
  });
}

/** Draws one Bernoulli(p) flag per image, in image order. */
export function drawFlags(random: RandomSource, count: number, p: number): boolean[] {
  return Array.from({ length: count }, () => random.bernoulli(p));
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

function asShape4D(shape: readonly number[]): [number, number, number, number] {
  const [count = 0, height = 0, width = 0, channels = 0] = shape;
  return [count, height, width, channels];
}

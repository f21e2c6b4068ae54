import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from '@csi/core';

/**
 * Builds a [N, 1, 1, 1] float32 tensor from one value per image, which broadcasts over an image
 * batch [N, H, W, C]. The caller disposes it (or creates it inside tf.tidy).
 */
export function perImageValues(values: readonly number[]): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1], 'float32');
}

/** Builds a [N, 1, 1, 1] bool mask from one flag per image, for `tf.where` on an image batch. */
export function perImageMask(flags: readonly boolean[]): tf.Tensor4D {
  return tf.tensor4d(Uint8Array.from(flags, (flag) => (flag ? 1 : 0)), [flags.length, 1, 1, 1], 'bool');
}

/** Draws one Bernoulli(p) flag per image, in image order. */
export function drawFlags(random: RandomSource, count: number, p: number): boolean[] {
  return Array.from({ length: count }, () => random.bernoulli(p));
}

import { defineSoftAugmentation, type RandomSource, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertChannels, assertImageBatch } from '../image-batch.js';
import { replicateLuma } from '../ops/luma.js';
import { drawFlags, expandPerImageMask } from '../ops/per-image.js';

export interface GrayscaleOptions {
  /** Probability that an image is turned grey. */
  p: number;
}

/**
 * Random grayscale, drawn per image: a chosen RGB image gets its luma
 * 0.299·R + 0.587·G + 0.114·B (ITU-R BT.601) in all three channels, so the shape stays
 * [N, H, W, 3]. A 1-channel image is grey already, so 1-channel batches come back unchanged
 * (a copy), and no random numbers are drawn for them.
 */
export const grayscaleAugmentation = defineSoftAugmentation<GrayscaleOptions>({
  name: 'grayscale',
  summary: 'Replaces R, G and B by the luma with probability p; leaves 1-channel images as they are.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      p: { type: 'number', minimum: 0, maximum: 1, default: 0.2, description: 'Probability per image.' },
    },
  },
  create: ({ p }) => ({
    stage: 'after-shift',
    apply: (images: Tensor4D, random: RandomSource) => grayRandomly(images, random, p),
  }),
});

/**
 * Replaces each RGB image by its luma in all three channels with probability p.
 * images: [N, H, W, 1 or 3] float32 in [0, 1]. Returns the same shape, in [0, 1], that the
 * caller disposes.
 */
export function grayRandomly(images: Tensor4D, random: RandomSource, p: number): Tensor4D {
  assertImageBatch('grayscale', images);
  assertChannels('grayscale', images, [1, 3], 'it converts RGB to grey and leaves grey images as they are');
  if (images.shape[3] === 1) return tf.clone(images);
  const flags = drawFlags(random, images.shape[0], p);
  return tf.tidy(() => {
    const grey = tf.clipByValue(replicateLuma(images), 0, 1);
    return tf.where(expandPerImageMask(flags, images.shape), grey, images);
  });
}

import { defineSoftAugmentation, type RandomSource, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch } from '../image-batch.js';
import { flipLeftRight } from '../ops/flips.js';
import { drawFlags, expandPerImageMask } from '../ops/per-image.js';

export interface FlipOptions {
  /** Probability that an image is flipped. */
  p: number;
}

/**
 * Random horizontal flip, drawn per image. It runs before the shift: a flip after a quarter turn
 * equals the opposite quarter turn of the flipped image, which would mislabel 90° and 270° for
 * the shift head.
 */
export const flipAugmentation = defineSoftAugmentation<FlipOptions>({
  name: 'flip',
  summary: 'Flips each image left to right with probability p (before the shift).',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of a flip per image.' },
    },
  },
  create: ({ p }) => ({
    stage: 'before-shift',
    apply: (images: Tensor4D, random: RandomSource) => flipRandomly(images, random, p),
  }),
});

/**
 * Flips each image left to right (reverses W) with probability p. Draws one Bernoulli(p) per
 * image, in image order.
 * images: [N, H, W, C] float32 in [0, 1]. Returns [N, H, W, C] that the caller disposes.
 */
export function flipRandomly(images: Tensor4D, random: RandomSource, p: number): Tensor4D {
  assertImageBatch('flip', images);
  const flags = drawFlags(random, images.shape[0], p);
  return tf.tidy(() => tf.where(expandPerImageMask(flags, images.shape), flipLeftRight(images), images));
}

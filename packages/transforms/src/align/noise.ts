import { defineSoftAugmentation, type RandomSource, type Tensor4D } from '@csi/core';
import { assertImageBatch } from '../image-batch.js';
import { addGaussianNoise } from '../ops/gaussian-noise.js';
import { assertOrderedRange, type RangeOption } from '../range-option.js';

export interface NoiseAugmentationOptions {
  /** [min, max] of the noise std, drawn uniformly per image, in [0, 1] intensity units. */
  std: RangeOption;
  /** Probability that an image gets noise. */
  p: number;
}

/** Gaussian noise as a soft augmentation: a chosen image gets noise of a std drawn for it. */
export const noiseAugmentation = defineSoftAugmentation<NoiseAugmentationOptions>({
  name: 'noise',
  summary: 'Adds Gaussian noise with a std drawn per image from [min, max], with probability p.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // NOTE: the authors' released code has no noise augmentation, so these defaults are ours.
      std: {
        type: 'array',
        items: { type: 'number', minimum: 0 },
        minItems: 2,
        maxItems: 2,
        default: [0, 0.1],
        description: '[min, max] of the noise std in [0, 1] intensity units.',
      },
      p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability per image.' },
    },
  },
  create: ({ std, p }) => {
    assertOrderedRange('noise', 'std', std);
    return {
      stage: 'after-shift',
      apply: (images: Tensor4D, random: RandomSource) => addNoiseRandomly(images, random, std, p),
    };
  },
});

/**
 * Adds noise to each image with probability p, its std drawn uniformly from `std`. Draws, per
 * image in order, the Bernoulli flag and then the std; then one seed for the noise tensor.
 * images: [N, H, W, C] float32 in [0, 1]. Returns [N, H, W, C] in [0, 1] that the caller disposes.
 */
export function addNoiseRandomly(
  images: Tensor4D,
  random: RandomSource,
  std: RangeOption,
  p: number,
): Tensor4D {
  assertImageBatch('noise', images);
  const stds = Array.from({ length: images.shape[0] }, () => {
    const chosen = random.bernoulli(p);
    const drawn = random.uniformBetween(std[0], std[1]);
    return chosen ? drawn : 0;
  });
  return addGaussianNoise(images, stds, random.nextSeed());
}

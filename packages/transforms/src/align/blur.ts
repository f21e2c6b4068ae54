import { defineSoftAugmentation, type RandomSource, type Tensor4D } from '@csi/core';
import { assertImageBatch } from '../image-batch.js';
import { blurImages } from '../ops/gaussian-blur.js';
import { assertOrderedRange, type RangeOption } from '../range-option.js';

export interface BlurAugmentationOptions {
  /** [min, max] of the kernel std in pixels, drawn uniformly per image. */
  sigma: RangeOption;
  /** Probability that an image is blurred. */
  p: number;
}

/**
 * Gaussian blur as a soft augmentation: a chosen image is blurred with a sigma drawn for it
 * (kernel radius ceil(3σ), borders reflected).
 */
export const blurAugmentation = defineSoftAugmentation<BlurAugmentationOptions>({
  name: 'blur',
  summary: 'Blurs with a Gaussian whose sigma is drawn per image from [min, max], with probability p.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // torchvision's GaussianBlur defaults to sigma in [0.1, 2], the range SimCLR used.
      sigma: {
        type: 'array',
        items: { type: 'number', minimum: 0 },
        minItems: 2,
        maxItems: 2,
        default: [0.1, 2],
        description: '[min, max] of the kernel std in pixels.',
      },
      p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability per image.' },
    },
  },
  create: ({ sigma, p }) => {
    assertOrderedRange('blur', 'sigma', sigma);
    return {
      stage: 'after-shift',
      apply: (images: Tensor4D, random: RandomSource) => blurRandomly(images, random, sigma, p),
    };
  },
});

/**
 * Blurs each image with probability p, its sigma drawn uniformly from `sigma`. Draws, per image
 * in order, the Bernoulli flag and then the sigma.
 * images: [N, H, W, C] float32 in [0, 1]. Returns [N, H, W, C] in [0, 1] that the caller disposes.
 */
export function blurRandomly(images: Tensor4D, random: RandomSource, sigma: RangeOption, p: number): Tensor4D {
  assertImageBatch('blur', images);
  const sigmas = Array.from({ length: images.shape[0] }, () => {
    const chosen = random.bernoulli(p);
    const drawn = random.uniformBetween(sigma[0], sigma[1]);
    return chosen ? drawn : 0;
  });
  return blurImages(images, sigmas);
}

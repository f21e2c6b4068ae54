import { defineSoftAugmentation, type RandomSource, type Tensor4D } from '@csi/core';
import { assertImageBatch } from '../image-batch.js';
import { eraseSquares, type Square } from '../ops/square-erase.js';

export interface CutoutAugmentationOptions {
  /** Side of the square as a fraction of the shorter image side. */
  size: number;
  /** Probability that an image gets a square. */
  p: number;
}

/**
 * Cutout (DeVries and Taylor, 2017) as a soft augmentation: a chosen image gets a square of side
 * s = max(1, round(size · min(H, W))) set to 0, centred on a pixel drawn uniformly from the whole
 * image. Near a border part of the square falls outside, so less is erased, as in the original.
 */
export const cutoutAugmentation = defineSoftAugmentation<CutoutAugmentationOptions>({
  name: 'cutout',
  summary: 'Sets a square at a random position to 0, with probability p.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // Half the side is the 16-pixel square on 32-pixel CIFAR-10 images of the Cutout paper.
      size: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.5,
        description: 'Side of the square as a fraction of the shorter image side.',
      },
      p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability per image.' },
    },
  },
  create: ({ size, p }) => ({
    stage: 'after-shift',
    apply: (images: Tensor4D, random: RandomSource) => cutOutRandomly(images, random, size, p),
  }),
});

/**
 * Erases a square per image with probability p. Draws, per image in order, the Bernoulli flag,
 * the centre row and the centre column.
 * images: [N, H, W, C] float32 in [0, 1]. Returns [N, H, W, C] in [0, 1] that the caller disposes.
 */
export function cutOutRandomly(images: Tensor4D, random: RandomSource, size: number, p: number): Tensor4D {
  assertImageBatch('cutout', images);
  const [count, height, width] = images.shape;
  const side = Math.max(1, Math.round(size * Math.min(height, width)));
  const squares = Array.from({ length: count }, (): Square => {
    const chosen = random.bernoulli(p);
    const centreRow = random.integer(0, height - 1);
    const centreColumn = random.integer(0, width - 1);
    const half = Math.floor(side / 2);
    return { top: centreRow - half, left: centreColumn - half, size: chosen ? side : 0 };
  });
  return eraseSquares(images, squares);
}

import { defineShiftTransform, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { blurImages } from '../ops/gaussian-blur.js';

export interface BlurShiftOptions {
  /** Standard deviation of the Gaussian kernel, in pixels. */
  sigma: number;
}

/**
 * K = 2: variant 0 is the identity, variant 1 is a Gaussian blur with a fixed sigma (kernel
 * radius ceil(3σ), borders reflected).
 */
export const blurShift = defineShiftTransform<BlurShiftOptions>({
  name: 'blur',
  summary: 'Blurs with a Gaussian of fixed sigma (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // NOTE: the authors' released transform code has no blur shift, so this default is ours.
      sigma: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Kernel std in pixels.' },
    },
  },
  create: ({ sigma }) => ({
    numShifts: 2,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => {
      assertImageBatch('blur', images);
      assertShiftIndex('blur', shift, 2);
      if (shift === 0) return tf.clone(images);
      return blurImages(images, new Array<number>(images.shape[0]).fill(sigma));
    },
  }),
});

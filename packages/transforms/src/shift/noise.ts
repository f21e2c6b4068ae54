import { defineShiftTransform, RandomSource, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { addGaussianNoise } from '../ops/gaussian-noise.js';

export interface NoiseShiftOptions {
  /** Standard deviation of the noise, in intensity units of the [0, 1] images. */
  std: number;
  /** Seeds the noise stream of this transform. */
  seed: number;
}

/**
 * K = 2: variant 0 is the identity, variant 1 adds Gaussian noise of a fixed std and clips to
 * [0, 1]. The noise is fresh on every call: a shift's `apply` receives no RandomSource, so the
 * transform keeps its own stream, seeded by `seed`, and two transforms created with the same
 * options give the same noise call after call.
 */
export const noiseShift = defineShiftTransform<NoiseShiftOptions>({
  name: 'noise',
  summary: 'Adds Gaussian noise of a fixed std (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // NOTE: the authors' released transform code has no noise shift, so this default is ours.
      std: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'Noise std in [0, 1] intensity units.' },
      seed: { type: 'integer', default: 0, description: 'Seeds the noise; the same seed gives the same noise sequence.' },
    },
  },
  create: ({ std, seed }) => {
    const random = RandomSource.fromSeed(seed);
    return {
      numShifts: 2,
      // images [N, H, W, C] -> [N, H, W, C]
      apply: (images: Tensor4D, shift: number) => {
        assertImageBatch('noise', images);
        assertShiftIndex('noise', shift, 2);
        if (shift === 0) return tf.clone(images);
        return addGaussianNoise(images, new Array<number>(images.shape[0]).fill(std), random.nextSeed());
      },
    };
  },
});

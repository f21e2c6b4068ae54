import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { blurImages } from '../ops/gaussian-blur.js';
import { expectClose, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { blurAugmentation } from './blur.js';

const context = {} as ComponentContext;

beforeAll(useCpuBackend);

describe('blur augmentation', () => {
  it('keeps the images with p = 0', () => {
    const blur = blurAugmentation.create({ sigma: [0.1, 2], p: 0 }, context);
    expect(blur.stage).toBe('after-shift');
    const images = tf.randomUniform([2, 5, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const { values } = runWithoutLeaks(() => blur.apply(images, RandomSource.fromSeed(0)));
    expect(values).toEqual(images.arraySync());
    images.dispose();
  });

  it('blurs each chosen image with its own drawn sigma', () => {
    const blur = blurAugmentation.create({ sigma: [0.5, 2], p: 0.5 }, context);
    const images = tf.randomUniform([6, 7, 7, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const { values } = runWithoutLeaks(() => blur.apply(images, RandomSource.fromSeed(21)));

    const twin = RandomSource.fromSeed(21);
    const sigmas = Array.from({ length: 6 }, () => {
      const chosen = twin.bernoulli(0.5);
      const sigma = twin.uniformBetween(0.5, 2);
      return chosen ? sigma : 0;
    });
    expect(sigmas.filter((sigma) => sigma > 0).length).toBeGreaterThan(0);
    expect(sigmas).toContain(0);
    // Each image blurred on its own must match its slice of the batched result.
    sigmas.forEach((sigma, index) => {
      const expected = tf.tidy(() => blurImages(tf.slice(images, [index, 0, 0, 0], [1, 7, 7, 3]), [sigma]));
      expectClose([values[index]], expected.arraySync(), 1e-6);
      expected.dispose();
    });
    images.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, SpecError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureError } from '../testing/errors.js';
import { runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { noiseAugmentation } from './noise.js';

const context = {} as ComponentContext;

beforeAll(useCpuBackend);

describe('noise augmentation', () => {
  it('keeps the images with p = 0', () => {
    const noise = noiseAugmentation.create({ std: [0, 0.1], p: 0 }, context);
    expect(noise.stage).toBe('after-shift');
    const images = tf.randomUniform([2, 4, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const { values } = runWithoutLeaks(() => noise.apply(images, RandomSource.fromSeed(0)));
    expect(values).toEqual(images.arraySync());
    images.dispose();
  });

  it('adds noise of the drawn std to the chosen images', () => {
    const noise = noiseAugmentation.create({ std: [0.05, 0.05], p: 0.5 }, context);
    const grey = tf.fill([8, 16, 16, 1], 0.5) as tf.Tensor4D;
    const result = noise.apply(grey, RandomSource.fromSeed(12));
    const twin = RandomSource.fromSeed(12);
    const chosen = Array.from({ length: 8 }, () => {
      const flag = twin.bernoulli(0.5);
      twin.uniform();
      return flag;
    });
    expect(chosen).toContain(true);
    expect(chosen).toContain(false);
    result.arraySync().forEach((image, index) => {
      const residuals = image.flat(2).map((value) => value - 0.5);
      const std = Math.sqrt(residuals.reduce((sum, value) => sum + value * value, 0) / residuals.length);
      // 256 samples: the standard error of the std is about 0.05 / √512 ≈ 0.0022.
      if (chosen[index]) expect(Math.abs(std - 0.05)).toBeLessThan(0.012);
      else expect(std).toBe(0);
    });
    tf.dispose([grey, result]);
  });

  it('gives the same output for the same seed', () => {
    const noise = noiseAugmentation.create({ std: [0, 0.1], p: 0.5 }, context);
    const images = tf.fill([4, 4, 4, 3], 0.5) as tf.Tensor4D;
    const first = noise.apply(images, RandomSource.fromSeed(3));
    const second = noise.apply(images, RandomSource.fromSeed(3));
    expect(second.arraySync()).toEqual(first.arraySync());
    tf.dispose([images, first, second]);
  });

  it('rejects a std range whose bounds are swapped', () => {
    const error = captureError(() => noiseAugmentation.create({ std: [0.2, 0.1], p: 0.5 }, context));
    expect(error).toBeInstanceOf(SpecError);
    expect(error.message).toContain('noise: std must be [min, max]');
    expect(error.message).toContain('got [0.2, 0.1]');
  });
});

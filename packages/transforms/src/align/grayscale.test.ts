import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, ShapeError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureError } from '../testing/errors.js';
import { expectClose, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { grayscaleAugmentation } from './grayscale.js';

const context = {} as ComponentContext;

beforeAll(useCpuBackend);

describe('grayscale augmentation', () => {
  it('puts the BT.601 luma of an RGB pixel in all three channels', () => {
    const gray = grayscaleAugmentation.create({ p: 1 }, context);
    expect(gray.stage).toBe('after-shift');
    const pixel = tf.tensor4d([0.2, 0.4, 0.6], [1, 1, 1, 3]);
    const { values, shape } = runWithoutLeaks(() => gray.apply(pixel, RandomSource.fromSeed(0)));
    expect(shape).toEqual([1, 1, 1, 3]);
    // 0.299 · 0.2 + 0.587 · 0.4 + 0.114 · 0.6 = 0.0598 + 0.2348 + 0.0684 = 0.363
    expectClose(values, [[[[0.363, 0.363, 0.363]]]]);
    pixel.dispose();
  });

  it('keeps RGB images with p = 0', () => {
    const gray = grayscaleAugmentation.create({ p: 0 }, context);
    const pixel = tf.tensor4d([0.2, 0.4, 0.6], [1, 1, 1, 3]);
    const { values } = runWithoutLeaks(() => gray.apply(pixel, RandomSource.fromSeed(0)));
    expect(values).toEqual(pixel.arraySync());
    pixel.dispose();
  });

  it('leaves 1-channel images unchanged and draws nothing', () => {
    const gray = grayscaleAugmentation.create({ p: 1 }, context);
    const grey = tf.tensor4d([0.1, 0.7, 0.3, 0.9], [1, 2, 2, 1]);
    const random = RandomSource.fromSeed(3);
    const stateBefore = random.getState();
    const { values, shape } = runWithoutLeaks(() => gray.apply(grey, random));
    expect(shape).toEqual([1, 2, 2, 1]);
    expect(values).toEqual(grey.arraySync());
    expect(random.getState()).toEqual(stateBefore);
    grey.dispose();
  });

  it('rejects 2-channel images', () => {
    const gray = grayscaleAugmentation.create({ p: 1 }, context);
    const images = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    const error = captureError(() => gray.apply(images, RandomSource.fromSeed(0)));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toContain('one of 1, 3');
    expect(error.message).toContain('got [1, 2, 2, 2]');
    images.dispose();
  });
});

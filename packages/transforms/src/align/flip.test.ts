import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { greyImage, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { flipAugmentation } from './flip.js';

const context = {} as ComponentContext;
const IMAGE = [
  [0.1, 0.2, 0.3],
  [0.4, 0.5, 0.6],
];
const FLIPPED = [
  [0.3, 0.2, 0.1],
  [0.6, 0.5, 0.4],
];
const exact = (rows: number[][]) => rows.map((row) => row.map((value) => [Math.fround(value)]));

beforeAll(useCpuBackend);

describe('flip augmentation', () => {
  it('runs before the shift', () => {
    expect(flipAugmentation.create({ p: 0.5 }, context).stage).toBe('before-shift');
  });

  it('flips a 2×3 image exactly with p = 1', () => {
    const flip = flipAugmentation.create({ p: 1 }, context);
    const image = greyImage(IMAGE);
    const { values, shape, dtype } = runWithoutLeaks(() => flip.apply(image, RandomSource.fromSeed(1)));
    expect(shape).toEqual([1, 2, 3, 1]);
    expect(dtype).toBe('float32');
    expect(values).toEqual([exact(FLIPPED)]);
    image.dispose();
  });

  it('keeps the image with p = 0', () => {
    const flip = flipAugmentation.create({ p: 0 }, context);
    const image = greyImage(IMAGE);
    const { values } = runWithoutLeaks(() => flip.apply(image, RandomSource.fromSeed(1)));
    expect(values).toEqual([exact(IMAGE)]);
    image.dispose();
  });

  it('flips the images whose Bernoulli draw came up, in image order', () => {
    const flip = flipAugmentation.create({ p: 0.5 }, context);
    const count = 16;
    const images = tf.tile(greyImage(IMAGE), [count, 1, 1, 1]) as tf.Tensor4D;
    const result = flip.apply(images, RandomSource.fromSeed(42));
    const twin = RandomSource.fromSeed(42);
    const expected = Array.from({ length: count }, () => exact(twin.bernoulli(0.5) ? FLIPPED : IMAGE));
    expect(result.arraySync()).toEqual(expected);
    // A seed that flipped all 16 images or none could not catch a mix-up of the images.
    expect(new Set(expected.map((image) => JSON.stringify(image))).size).toBe(2);
    tf.dispose([images, result]);
  });
});

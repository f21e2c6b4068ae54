import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { cutoutAugmentation } from './cutout.js';

const context = {} as ComponentContext;

beforeAll(useCpuBackend);

describe('cutout augmentation', () => {
  it('zeroes a square around the drawn centre, clipped at the borders', () => {
    const cutout = cutoutAugmentation.create({ size: 0.5, p: 1 }, context);
    expect(cutout.stage).toBe('after-shift');
    const count = 6;
    const ones = tf.ones([count, 8, 8, 2]) as tf.Tensor4D;
    const { values } = runWithoutLeaks(() => cutout.apply(ones, RandomSource.fromSeed(17)));

    const twin = RandomSource.fromSeed(17);
    values.forEach((image) => {
      twin.bernoulli(1);
      const centreRow = twin.integer(0, 7);
      const centreColumn = twin.integer(0, 7);
      // side round(0.5 · 8) = 4: rows centreRow - 2 .. centreRow + 1, the same for columns
      image.forEach((row, r) =>
        row.forEach((pixel, c) => {
          const inside = r >= centreRow - 2 && r <= centreRow + 1 && c >= centreColumn - 2 && c <= centreColumn + 1;
          expect(pixel).toEqual(inside ? [0, 0] : [1, 1]);
        }),
      );
    });
    ones.dispose();
  });

  it('keeps the images with p = 0 and repeats for the same seed', () => {
    const images = tf.randomUniform([3, 6, 6, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const keep = cutoutAugmentation.create({ size: 0.5, p: 0 }, context);
    const unchanged = keep.apply(images, RandomSource.fromSeed(1));
    expect(unchanged.arraySync()).toEqual(images.arraySync());

    const cutout = cutoutAugmentation.create({ size: 0.5, p: 0.5 }, context);
    const first = cutout.apply(images, RandomSource.fromSeed(4));
    const second = cutout.apply(images, RandomSource.fromSeed(4));
    expect(second.arraySync()).toEqual(first.arraySync());
    tf.dispose([images, unchanged, first, second]);
  });
});

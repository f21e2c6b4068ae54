import * as tf from '@tensorflow/tfjs-core';
import type { ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { greyImage, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { centredSquare, cutoutShift } from './cutout.js';

beforeAll(useCpuBackend);

describe('cutout shift', () => {
  it('zeroes the centred square for variant 1', () => {
    const cutout = cutoutShift.create({ size: 0.5 }, {} as ComponentContext);
    expect(cutout.numShifts).toBe(2);
    const ones = greyImage([0, 1, 2, 3].map(() => [1, 1, 1, 1]));
    const { values } = runWithoutLeaks(() => cutout.apply(ones, 1));
    expect(values[0]?.map((row) => row.map((pixel) => pixel[0]))).toEqual([
      [1, 1, 1, 1],
      [1, 0, 0, 1],
      [1, 0, 0, 1],
      [1, 1, 1, 1],
    ]);
    ones.dispose();
  });

  it('erases the same square in every channel and every image', () => {
    const cutout = cutoutShift.create({ size: 0.2 }, {} as ComponentContext);
    const images = tf.ones([2, 5, 5, 3]) as tf.Tensor4D;
    const result = cutout.apply(images, 1);
    // side round(0.2 · 5) = 1 at (2, 2)
    const zeros = tf.sum(tf.equal(result, 0)).arraySync();
    expect(zeros).toBe(2 * 3);
    expect(result.arraySync()[1]?.[2]?.[2]).toEqual([0, 0, 0]);
    tf.dispose([images, result]);
  });

  it('places the square by the documented rounding', () => {
    expect(centredSquare(4, 4, 0.5)).toEqual({ top: 1, left: 1, size: 2 });
    expect(centredSquare(5, 5, 0.5)).toEqual({ top: 1, left: 1, size: 3 });
    expect(centredSquare(4, 6, 0.5)).toEqual({ top: 1, left: 2, size: 2 });
    expect(centredSquare(3, 3, 0.01)).toEqual({ top: 1, left: 1, size: 1 });
  });
});

import * as tf from '@tensorflow/tfjs-core';
import type { ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, greyImage, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { sobelShift } from './sobel.js';

const sobel = sobelShift.create({}, {} as ComponentContext);

beforeAll(useCpuBackend);

describe('sobel shift', () => {
  it('has K = 2 and keeps the image for variant 0', () => {
    expect(sobel.numShifts).toBe(2);
    const image = greyImage([[0.1, 0.9], [0.4, 0.3]]);
    const { values } = runWithoutLeaks(() => sobel.apply(image, 0));
    expect(values).toEqual(image.arraySync());
    image.dispose();
  });

  it('finds a vertical step edge', () => {
    // Columns 0-1 are 0 and columns 2-3 are 1. Next to the step gx = 1 + 2 + 1 = 4 and gy = 0, so
    // the magnitude is 4 / √20; the border columns see only equal pixels (edges repeat).
    const step = greyImage([0, 1, 2, 3].map(() => [0, 0, 1, 1]));
    const { values, shape, dtype } = runWithoutLeaks(() => sobel.apply(step, 1));
    expect(shape).toEqual([1, 4, 4, 1]);
    expect(dtype).toBe('float32');
    const edge = 4 / Math.sqrt(20);
    expectClose(values, [[0, 1, 2, 3].map(() => [[0], [edge], [edge], [0]])]);
    step.dispose();
  });

  it('finds a horizontal step edge in every channel', () => {
    const rows = [0, 0, 1, 1].map((value) => [0, 1, 2].map(() => [value, value * 0.5]));
    const step = tf.tensor4d(rows.flat(2), [1, 4, 3, 2]);
    const { values } = runWithoutLeaks(() => sobel.apply(step, 1));
    const edge = 4 / Math.sqrt(20);
    const expectedRow = (magnitude: number) => [0, 1, 2].map(() => [magnitude, magnitude * 0.5]);
    expectClose(values, [[expectedRow(0), expectedRow(edge), expectedRow(edge), expectedRow(0)]]);
    step.dispose();
  });

  it('reaches 1 at the largest possible gradient', () => {
    // gx = 4 and gy = 2 at the centre pixel, so the magnitude is √20 / √20.
    const window = greyImage([
      [0, 0, 0],
      [0, 0, 1],
      [1, 1, 1],
    ]);
    const result = sobel.apply(window, 1);
    expect(result.arraySync()[0]?.[1]?.[1]?.[0]).toBeCloseTo(1, 6);
    tf.dispose([window, result]);
  });

  it('maps a constant image to 0', () => {
    const flat = tf.fill([1, 3, 3, 3], 0.7) as tf.Tensor4D;
    const result = sobel.apply(flat, 1);
    expectClose(result.arraySync(), tf.zeros([1, 3, 3, 3]).arraySync());
    tf.dispose([flat, result]);
  });
});

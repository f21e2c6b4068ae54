import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureError } from '../testing/errors.js';
import { runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { colorPermShift } from './color-perm.js';

const colorPerm = colorPermShift.create({}, {} as ComponentContext);

beforeAll(useCpuBackend);

describe('color-perm shift', () => {
  it('has K = 6', () => {
    expect(colorPerm.numShifts).toBe(6);
  });

  it.each([
    [0, [0.1, 0.2, 0.3]],
    [1, [0.1, 0.3, 0.2]],
    [2, [0.2, 0.1, 0.3]],
    [3, [0.2, 0.3, 0.1]],
    [4, [0.3, 0.1, 0.2]],
    [5, [0.3, 0.2, 0.1]],
  ])('orders the channels of one pixel for variant %i', (shift, expected) => {
    const pixel = tf.tensor4d([0.1, 0.2, 0.3], [1, 1, 1, 3]);
    const { values, shape } = runWithoutLeaks(() => colorPerm.apply(pixel, shift));
    expect(shape).toEqual([1, 1, 1, 3]);
    expect(values[0]?.[0]?.[0]).toEqual(expected.map(Math.fround));
    pixel.dispose();
  });

  it('rejects 1-channel images', () => {
    const grey = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const error = captureError(() => colorPerm.apply(grey, 1));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toContain('color-perm: images must have C = 3 channels');
    expect(error.message).toContain('got [2, 4, 4, 1]');
    expect(error.message).toContain('use rotation or cut-perm');
    grey.dispose();
  });
});

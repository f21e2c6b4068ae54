import * as tf from '@tensorflow/tfjs-core';
import type { ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { blurShift } from './blur.js';

const blur = blurShift.create({ sigma: 1 }, {} as ComponentContext);

beforeAll(useCpuBackend);

describe('blur shift', () => {
  it('spreads an impulse as a separable Gaussian for variant 1', () => {
    // An impulse at the centre of a 9×9 image; sigma 1 gives radius 3, so no tap reaches a border.
    const impulse = tf.buffer([1, 9, 9, 1], 'float32');
    impulse.set(1, 0, 4, 4, 0);
    const image = impulse.toTensor() as tf.Tensor4D;
    const { values, shape } = runWithoutLeaks(() => blur.apply(image, 1));
    expect(shape).toEqual([1, 9, 9, 1]);

    const raw = [-3, -2, -1, 0, 1, 2, 3].map((offset) => Math.exp(-(offset * offset) / 2));
    const total = raw.reduce((sum, weight) => sum + weight, 0);
    const weight = (offset: number) => (Math.abs(offset) <= 3 ? Math.exp(-(offset * offset) / 2) / total : 0);
    const expected = [[0, 1, 2, 3, 4, 5, 6, 7, 8].map((row) =>
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map((column) => [weight(row - 4) * weight(column - 4)]),
    )];
    expectClose(values, expected);
    image.dispose();
  });

  it('keeps a constant image and variant 0', () => {
    const flat = tf.fill([2, 5, 5, 3], 0.25) as tf.Tensor4D;
    const blurred = blur.apply(flat, 1);
    expectClose(blurred.arraySync(), flat.arraySync());
    const same = blur.apply(flat, 0);
    expect(same.arraySync()).toEqual(flat.arraySync());
    tf.dispose([flat, blurred, same]);
  });
});

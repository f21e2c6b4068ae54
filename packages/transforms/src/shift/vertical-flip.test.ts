import * as tf from '@tensorflow/tfjs-core';
import type { ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { greyImage, greyRows, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { verticalFlipShift } from './vertical-flip.js';

const IMAGE = [
  [0.1, 0.2, 0.3],
  [0.4, 0.5, 0.6],
];
const exact = (rows: number[][]) => rows.map((row) => row.map(Math.fround));

beforeAll(useCpuBackend);

describe('vertical-flip shift', () => {
  it('flips upside down for variant 1', () => {
    const shift = verticalFlipShift.create({}, {} as ComponentContext);
    expect(shift.numShifts).toBe(2);
    const image = greyImage(IMAGE);
    const { values } = runWithoutLeaks(() => shift.apply(image, 1));
    expect(values[0]?.map((row) => row.map((pixel) => pixel[0]))).toEqual(exact([[0.4, 0.5, 0.6], [0.1, 0.2, 0.3]]));
    const same = shift.apply(image, 0);
    expect(greyRows(same)).toEqual(exact(IMAGE));
    tf.dispose([image, same]);
  });

  it('matches tf.reverse on an RGB batch', () => {
    const shift = verticalFlipShift.create({}, {} as ComponentContext);
    const images = tf.randomUniform([3, 4, 5, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const reference = tf.reverse(images, 1);
    const { values } = runWithoutLeaks(() => shift.apply(images, 1));
    expect(values).toEqual(reference.arraySync());
    tf.dispose([images, reference]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { CsiError, ShapeError, SpecError, type ComponentContext, type ShiftTransform } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureError } from '../testing/errors.js';
import { greyImage, greyRows, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { rotationShift } from './rotation.js';

const context = {} as ComponentContext;
const createRotation = (quarterTurns = [0, 1, 2, 3]): ShiftTransform =>
  rotationShift.create({ quarterTurns }, context);

beforeAll(useCpuBackend);

describe('rotation shift', () => {
  it('has K = 4 by default', () => {
    expect(createRotation().numShifts).toBe(4);
    expect(createRotation([0, 2]).numShifts).toBe(2);
  });

  // One counter-clockwise quarter turn moves the right column to the top row.
  it.each([
    [0, [[1, 2], [3, 4]]],
    [1, [[2, 4], [1, 3]]],
    [2, [[4, 3], [2, 1]]],
    [3, [[3, 1], [4, 2]]],
  ])('turns a 2×2 image by %i quarter turns', (shift, expected) => {
    const image = greyImage([[1, 2], [3, 4]].map((row) => row.map((value) => value / 10)));
    const { values, shape, dtype } = runWithoutLeaks(() => createRotation().apply(image, shift));
    expect(shape).toEqual([1, 2, 2, 1]);
    expect(dtype).toBe('float32');
    expect(values[0]?.map((row) => row.map((pixel) => pixel[0]))).toEqual(
      expected.map((row) => row.map((value) => Math.fround(value / 10))),
    );
    image.dispose();
  });

  it.each([
    [0, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]],
    [1, [[3, 6, 9], [2, 5, 8], [1, 4, 7]]],
    [2, [[9, 8, 7], [6, 5, 4], [3, 2, 1]]],
    [3, [[7, 4, 1], [8, 5, 2], [9, 6, 3]]],
  ])('turns a 3×3 image by %i quarter turns', (shift, expected) => {
    const image = greyImage([[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((row) => row.map((value) => value / 10)));
    const rotated = createRotation().apply(image, shift);
    expect(greyRows(rotated)).toEqual(expected.map((row) => row.map((value) => Math.fround(value / 10))));
    tf.dispose([image, rotated]);
  });

  it('maps variant y to quarterTurns[y]', () => {
    const image = greyImage([[1, 2], [3, 4]].map((row) => row.map((value) => value / 10)));
    const rotated = createRotation([0, 3]).apply(image, 1);
    expect(greyRows(rotated)).toEqual([[3, 1], [4, 2]].map((row) => row.map((value) => Math.fround(value / 10))));
    tf.dispose([image, rotated]);
  });

  it('gives the input back after four quarter turns', () => {
    const rotation = createRotation();
    const images = tf.randomUniform([2, 5, 5, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    let current = images;
    for (let turn = 0; turn < 4; turn++) {
      const next = rotation.apply(current, 1);
      if (current !== images) current.dispose();
      current = next;
    }
    expect(current.arraySync()).toEqual(images.arraySync());
    current.dispose();
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });

  it('matches reverse and transpose on an RGB batch', () => {
    const images = tf.randomUniform([3, 4, 4, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const rotation = createRotation();
    const references = [
      tf.clone(images),
      tf.transpose(tf.reverse(images, 2), [0, 2, 1, 3]),
      tf.reverse(images, [1, 2]),
      tf.reverse(tf.transpose(images, [0, 2, 1, 3]), 2),
    ];
    references.forEach((reference, shift) => {
      const { values } = runWithoutLeaks(() => rotation.apply(images, shift));
      expect(values).toEqual(reference.arraySync());
    });
    tf.dispose([images, ...references]);
  });

  it('keeps the channels of each pixel together', () => {
    const square = tf.tensor4d(
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.0, 0.5],
      [1, 2, 2, 3],
    );
    const rotated = createRotation().apply(square, 1);
    // Pixel (0, 1) = (0.4, 0.5, 0.6) moves to (0, 0).
    expect(rotated.arraySync()[0]?.[0]?.[0]).toEqual([0.4, 0.5, 0.6].map(Math.fround));
    tf.dispose([square, rotated]);
  });

  it('rejects non-square images with a ShapeError', () => {
    const images = tf.zeros([1, 2, 3, 1]) as tf.Tensor4D;
    const rotation = createRotation();
    for (const shift of [0, 1]) {
      const error = captureError(() => rotation.apply(images, shift));
      expect(error).toBeInstanceOf(ShapeError);
      expect(error.message).toContain('rotation: images must be square');
      expect(error.message).toContain('got [1, 2, 3, 1]');
      expect(error.message).toContain('quarterTurns: [0, 2]');
    }
    images.dispose();
  });

  it('turns non-square images by half turns', () => {
    const image = greyImage([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
    const rotated = createRotation([0, 2]).apply(image, 1);
    expect(greyRows(rotated)).toEqual([[0.6, 0.5, 0.4], [0.3, 0.2, 0.1]].map((row) => row.map(Math.fround)));
    tf.dispose([image, rotated]);
  });

  it('rejects quarterTurns without the identity first', () => {
    const error = captureError(() => createRotation([1, 2]));
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems[0]?.path).toBe('quarterTurns');
    expect(error.message).toContain('must start with 0');
    expect(error.message).toContain('got [1, 2]');
    expect(error.message).toContain('[0, 1, 2]');
  });

  it('rejects a shift index out of range', () => {
    const image = greyImage([[0.5]]);
    const error = captureError(() => createRotation().apply(image, 4));
    expect(error).toBeInstanceOf(CsiError);
    expect(error.message).toContain('integer in [0, 4)');
    expect(error.message).toContain('got 4');
    image.dispose();
  });

  it('rejects a batch that is not rank 4', () => {
    const image = tf.zeros([2, 2, 1]) as unknown as tf.Tensor4D;
    const error = captureError(() => createRotation().apply(image, 1));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toContain('[N, H, W, C]');
    expect(error.message).toContain('rank 3');
    image.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import type { ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { greyImage, greyRows, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { cutPermShift } from './cut-perm.js';

const cutPerm = cutPermShift.create({}, {} as ComponentContext);
// Pixel (r, c) is (4r + c) / 16, so every value identifies its source pixel.
const GRID = [0, 1, 2, 3].map((row) => [0, 1, 2, 3].map((column) => (4 * row + column) / 16));
const fromIndices = (indices: number[][]) => indices.map((row) => row.map((index) => Math.fround(index / 16)));

beforeAll(useCpuBackend);

describe('cut-perm shift', () => {
  it('has K = 4', () => {
    expect(cutPerm.numShifts).toBe(4);
  });

  it.each([
    ['the identity', 0, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]],
    ['left and right swapped', 1, [[2, 3, 0, 1], [6, 7, 4, 5], [10, 11, 8, 9], [14, 15, 12, 13]]],
    ['top and bottom swapped', 2, [[8, 9, 10, 11], [12, 13, 14, 15], [0, 1, 2, 3], [4, 5, 6, 7]]],
    ['both swapped', 3, [[10, 11, 8, 9], [14, 15, 12, 13], [2, 3, 0, 1], [6, 7, 4, 5]]],
  ])('gives %s for variant %i on a 4×4 image', (_name, shift, expected) => {
    const image = greyImage(GRID);
    const { values, shape } = runWithoutLeaks(() => cutPerm.apply(image, shift));
    expect(shape).toEqual([1, 4, 4, 1]);
    expect(values[0]?.map((row) => row.map((pixel) => pixel[0]))).toEqual(fromIndices(expected));
    image.dispose();
  });

  it('cuts odd sizes at floor(size / 2) as the authors do', () => {
    // 3 columns: the cut is after column 0, so the columns come out as 1, 2, 0.
    const image = greyImage([[0.1, 0.2, 0.3]]);
    const swapped = cutPerm.apply(image, 1);
    expect(greyRows(swapped)).toEqual([[0.2, 0.3, 0.1].map(Math.fround)]);
    tf.dispose([image, swapped]);
  });
});

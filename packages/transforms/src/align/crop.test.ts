import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, SpecError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureError } from '../testing/errors.js';
import { expectClose, greyImage, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { cropAugmentation, resizeCrops, sampleCropBox, type PixelBox } from './crop.js';

const context = {} as ComponentContext;
// Pixel (r, c) of the 4×4 grid is (4r + c) / 16.
const GRID = [0, 1, 2, 3].map((row) => [0, 1, 2, 3].map((column) => (4 * row + column) / 16));

beforeAll(useCpuBackend);

describe('crop augmentation', () => {
  it('is the identity with scale [1, 1] and ratio [1, 1]', () => {
    const crop = cropAugmentation.create({ scale: [1, 1], ratio: [1, 1] }, context);
    expect(crop.stage).toBe('after-shift');
    const image = greyImage(GRID);
    const { values, shape, dtype } = runWithoutLeaks(() => crop.apply(image, RandomSource.fromSeed(9)));
    expect(shape).toEqual([1, 4, 4, 1]);
    expect(dtype).toBe('float32');
    expectClose(values, image.arraySync());
    image.dispose();
  });

  it('draws boxes of exactly the fixed area when it fits whole pixels', () => {
    const random = RandomSource.fromSeed(4);
    for (let draw = 0; draw < 20; draw++) {
      const box = sampleCropBox(random, 10, 10, [0.25, 0.25], [1, 1]);
      expect(box.height * box.width).toBe(25);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.top + box.height).toBeLessThanOrEqual(10);
      expect(box.left + box.width).toBeLessThanOrEqual(10);
    }
  });

  it('draws boxes of the fixed area up to whole-pixel rounding', () => {
    // w = round(√(A·r)), h = round(√(A/r)) with |w - √(A·r)|, |h - √(A/r)| ≤ 0.5, so
    // |w·h - A| ≤ 0.5·(w + h) + 0.25.
    const random = RandomSource.fromSeed(5);
    const area = 0.54 * 32 * 32;
    for (let draw = 0; draw < 50; draw++) {
      const box = sampleCropBox(random, 32, 32, [0.54, 0.54], [3 / 4, 4 / 3]);
      expect(Math.abs(box.height * box.width - area)).toBeLessThanOrEqual(0.5 * (box.height + box.width) + 0.25);
      expect(box.width / box.height).toBeGreaterThan(0.7);
      expect(box.width / box.height).toBeLessThan(1.4);
    }
  });

  it('falls back to the centred box whose ratio is clamped when nothing fits', () => {
    // ratio 2 on a 4×4 image: w = round(√32) = 6 > 4 on every try, so the fallback gives
    // w = 4, h = round(4 / 2) = 2, centred at top = 1.
    const box = sampleCropBox(RandomSource.fromSeed(0), 4, 4, [1, 1], [2, 2]);
    expect(box).toEqual({ top: 1, left: 0, height: 2, width: 4 });
  });

  it('samples a box bilinearly on half-pixel centres', () => {
    // Box rows and columns 1-2 resized to 4: samples at 1 + (i + 0.5)·2/4 - 0.5 = 0.75, 1.25,
    // 1.75, 2.25. An impulse at (2, 2) gets weights 0, 0.25, 0.75, 0.75 along each axis.
    const impulse = greyImage([0, 1, 2, 3].map((row) => [0, 1, 2, 3].map((column) => (row === 2 && column === 2 ? 1 : 0))));
    const box: PixelBox = { top: 1, left: 1, height: 2, width: 2 };
    const { values } = runWithoutLeaks(() => resizeCrops(impulse, [box]));
    const weights = [0, 0.25, 0.75, 0.75];
    expectClose(values, [weights.map((rowWeight) => weights.map((columnWeight) => [rowWeight * columnWeight]))]);
    impulse.dispose();
  });

  it('repeats the edge pixel where samples leave the image', () => {
    // A ramp c / 4 along the columns; box columns 0-1 sample -0.25, 0.25, 0.75, 1.25, and -0.25
    // reads column 0 as torch's interpolate does.
    const ramp = greyImage([0, 1].map(() => [0, 1, 2, 3].map((column) => column / 4)));
    const box: PixelBox = { top: 0, left: 0, height: 2, width: 2 };
    const result = resizeCrops(ramp, [box]);
    const expectedRow = [0, 0.25, 0.75, 1.25].map((position) => [position / 4]);
    expectClose(result.arraySync(), [[expectedRow, expectedRow]]);
    tf.dispose([ramp, result]);
  });

  it('draws a different box per image, the same again for the same seed', () => {
    const crop = cropAugmentation.create({ scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }, context);
    const images = tf.tile(greyImage(GRID), [4, 1, 1, 1]) as tf.Tensor4D;
    const first = crop.apply(images, RandomSource.fromSeed(11));
    const second = crop.apply(images, RandomSource.fromSeed(11));
    expect(second.arraySync()).toEqual(first.arraySync());
    const perImage = first.arraySync().map((image) => JSON.stringify(image));
    expect(new Set(perImage).size).toBe(4);

    const random = RandomSource.fromSeed(11);
    const boxes = [0, 1, 2, 3].map(() => sampleCropBox(random, 4, 4, [0.08, 1], [3 / 4, 4 / 3]));
    const expected = resizeCrops(images, boxes);
    expect(first.arraySync()).toEqual(expected.arraySync());
    tf.dispose([images, first, second, expected]);
  });

  it('rejects a scale range whose bounds are swapped', () => {
    const error = captureError(() => cropAugmentation.create({ scale: [0.9, 0.1], ratio: [3 / 4, 4 / 3] }, context));
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems[0]?.path).toBe('scale');
    expect(error.message).toContain('crop: scale must be [min, max] with min ≤ max');
    expect(error.message).toContain('got [0.9, 0.1]');
    expect(error.message).toContain('[0.1, 0.9]');
  });
});

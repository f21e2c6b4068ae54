import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, ShapeError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureError } from '../testing/errors.js';
import { expectClose, flattenNumbers, runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { colorJitterAugmentation, hueRotationMatrix, type ColorJitterOptions } from './color-jitter.js';

const context = {} as ComponentContext;
const NONE: ColorJitterOptions = { brightness: 0, contrast: 0, saturation: 0, hue: 0, p: 1 };
const DEFAULTS: ColorJitterOptions = { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 };
const LUMA = [0.299, 0.587, 0.114];

/** Replays the documented draws: per image the flag and four factors, then the step order. */
function replayFactors(seed: number, count: number, options: ColorJitterOptions) {
  const random = RandomSource.fromSeed(seed);
  const around = (strength: number) => random.uniformBetween(Math.max(0, 1 - strength), 1 + strength);
  return Array.from({ length: count }, () => ({
    apply: random.bernoulli(options.p),
    brightness: around(options.brightness),
    contrast: around(options.contrast),
    saturation: around(options.saturation),
    hue: random.uniformBetween(-options.hue, options.hue),
  }));
}

function multiply(matrix: number[], pixel: number[]): number[] {
  return [0, 1, 2].map((row) => [0, 1, 2].reduce((sum, k) => sum + (matrix[row * 3 + k] ?? 0) * (pixel[k] ?? 0), 0));
}

beforeAll(useCpuBackend);

describe('color-jitter augmentation', () => {
  it('is the identity when every strength is 0', () => {
    const jitter = colorJitterAugmentation.create(NONE, context);
    expect(jitter.stage).toBe('after-shift');
    const images = tf.randomUniform([3, 4, 4, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const { values, shape, dtype } = runWithoutLeaks(() => jitter.apply(images, RandomSource.fromSeed(1)));
    expect(shape).toEqual([3, 4, 4, 3]);
    expect(dtype).toBe('float32');
    expect(values).toEqual(images.arraySync());
    images.dispose();
  });

  it('is the identity with p = 0', () => {
    const jitter = colorJitterAugmentation.create({ ...DEFAULTS, p: 0 }, context);
    const images = tf.randomUniform([3, 4, 4, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const { values } = runWithoutLeaks(() => jitter.apply(images, RandomSource.fromSeed(1)));
    expect(values).toEqual(images.arraySync());
    images.dispose();
  });

  it('stays in [0, 1] under strong jitter', () => {
    const jitter = colorJitterAugmentation.create({ brightness: 2, contrast: 2, saturation: 2, hue: 0.5, p: 1 }, context);
    const images = tf.randomUniform([8, 6, 6, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const { values } = runWithoutLeaks(() => jitter.apply(images, RandomSource.fromSeed(5)));
    const flat = flattenNumbers(values);
    expect(Math.min(...flat)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...flat)).toBeLessThanOrEqual(1);
    images.dispose();
  });

  it('gives the same output for the same seed and differs between images', () => {
    const jitter = colorJitterAugmentation.create({ ...DEFAULTS, p: 1 }, context);
    const images = tf.tile(tf.tensor4d([0.2, 0.5, 0.7, 0.4, 0.3, 0.6], [1, 1, 2, 3]), [4, 1, 1, 1]) as tf.Tensor4D;
    const first = jitter.apply(images, RandomSource.fromSeed(8));
    const second = jitter.apply(images, RandomSource.fromSeed(8));
    expect(second.arraySync()).toEqual(first.arraySync());
    expect(new Set(first.arraySync().map((image) => JSON.stringify(image))).size).toBe(4);
    tf.dispose([images, first, second]);
  });

  it('scales brightness of a 1-channel image by the drawn factor', () => {
    const options = { ...NONE, brightness: 0.5 };
    const jitter = colorJitterAugmentation.create(options, context);
    const grey = tf.tensor4d([0.2, 0.4, 0.6, 0.8, 0.1, 0.3, 0.5, 0.9], [2, 2, 2, 1]);
    const { values } = runWithoutLeaks(() => jitter.apply(grey, RandomSource.fromSeed(3)));
    const factors = replayFactors(3, 2, options);
    const pixels = [[0.2, 0.4, 0.6, 0.8], [0.1, 0.3, 0.5, 0.9]];
    const expected = pixels.map((image, index) => image.map((value) => Math.min(1, value * (factors[index]?.brightness ?? 0))));
    expectClose(values, expected.map((image) => [[[image[0]], [image[1]]], [[image[2]], [image[3]]]]));
    grey.dispose();
  });

  it('blends a 1-channel image with its mean for contrast', () => {
    const options = { ...NONE, contrast: 0.5 };
    const jitter = colorJitterAugmentation.create(options, context);
    const grey = tf.tensor4d([0.2, 0.4, 0.6, 0.8], [1, 2, 2, 1]);
    const { values } = runWithoutLeaks(() => jitter.apply(grey, RandomSource.fromSeed(6)));
    const contrast = replayFactors(6, 1, options)[0]?.contrast ?? Number.NaN;
    const expected = [0.2, 0.4, 0.6, 0.8].map((value) => contrast * value + (1 - contrast) * 0.5);
    expectClose(values, [[[[expected[0]], [expected[1]]], [[expected[2]], [expected[3]]]]]);
    grey.dispose();
  });

  it('blends an RGB pixel with its luma for saturation', () => {
    const options = { ...NONE, saturation: 0.5 };
    const jitter = colorJitterAugmentation.create(options, context);
    const pixel = [0.2, 0.4, 0.6];
    const image = tf.tensor4d(pixel, [1, 1, 1, 3]);
    const { values } = runWithoutLeaks(() => jitter.apply(image, RandomSource.fromSeed(7)));
    const saturation = replayFactors(7, 1, options)[0]?.saturation ?? Number.NaN;
    const luma = 0.363;
    expectClose(values, [[[pixel.map((value) => saturation * value + (1 - saturation) * luma)]]]);
    image.dispose();
  });

  it('rotates a near-grey pixel by the hue matrix', () => {
    const options = { ...NONE, hue: 0.5 };
    const jitter = colorJitterAugmentation.create(options, context);
    const pixel = [0.5, 0.45, 0.55];
    const image = tf.tensor4d(pixel, [1, 1, 1, 3]);
    const { values } = runWithoutLeaks(() => jitter.apply(image, RandomSource.fromSeed(2)));
    const hue = replayFactors(2, 1, options)[0]?.hue ?? Number.NaN;
    expect(Math.abs(hue)).toBeGreaterThan(0.05);
    expectClose(values, [[[multiply(hueRotationMatrix(hue), pixel)]]], 1e-5);
    image.dispose();
  });

  it('rejects 2-channel images', () => {
    const jitter = colorJitterAugmentation.create(DEFAULTS, context);
    const images = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    const error = captureError(() => jitter.apply(images, RandomSource.fromSeed(0)));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toContain('color-jitter');
    expect(error.message).toContain('got [1, 2, 2, 2]');
    images.dispose();
  });
});

describe('hueRotationMatrix', () => {
  it('is the identity for hue 0 and a full turn', () => {
    const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    expectClose(hueRotationMatrix(0), identity, 1e-12);
    expectClose(hueRotationMatrix(1), identity, 1e-12);
  });

  it('keeps greys and the luma', () => {
    const matrix = hueRotationMatrix(0.3);
    expectClose(multiply(matrix, [0.4, 0.4, 0.4]), [0.4, 0.4, 0.4], 1e-12);
    const pixel = [0.9, 0.2, 0.4];
    const rotated = multiply(matrix, pixel);
    const luma = (rgb: number[]) => rgb.reduce((sum, value, index) => sum + value * (LUMA[index] ?? 0), 0);
    expect(luma(rotated)).toBeCloseTo(luma(pixel), 12);
  });

  it('turns red towards yellow for a positive hue, as an HSV shift does', () => {
    const [red = 0, green = 0, blue = 0] = multiply(hueRotationMatrix(1 / 12), [1, 0, 0]);
    expect(green).toBeGreaterThan(0.1);
    expect(red).toBeGreaterThan(green);
    expect(blue).toBeLessThan(green);
  });
});

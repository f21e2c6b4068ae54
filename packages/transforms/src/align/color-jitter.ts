import { defineSoftAugmentation, type RandomSource, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertChannels, assertImageBatch } from '../image-batch.js';
import { mixChannels } from '../ops/channel-mix.js';
import { computeLuma, LUMA_WEIGHTS, replicateLuma } from '../ops/luma.js';
import { broadcastPerImage, expandPerImage, expandPerImageMask } from '../ops/per-image.js';

export interface ColorJitterOptions {
  /** Brightness factor drawn from [max(0, 1 - brightness), 1 + brightness]. */
  brightness: number;
  /** Contrast factor drawn from [max(0, 1 - contrast), 1 + contrast]. */
  contrast: number;
  /** Saturation factor drawn from [max(0, 1 - saturation), 1 + saturation]. */
  saturation: number;
  /** Hue shift drawn from [-hue, hue], in turns of the colour wheel. */
  hue: number;
  /** Probability that an image is jittered at all. */
  p: number;
}

type JitterStep = 'brightness' | 'contrast' | 'saturation' | 'hue';

/** The draws for one image. When `apply` is false the image comes back unchanged, whatever the factors. */
interface JitterFactors {
  apply: boolean;
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

/**
 * Color jitter as torchvision's ColorJitter, with factors drawn per image:
 *
 * - brightness: x · b;
 * - contrast: c · x + (1 - c) · mean luma of the image;
 * - saturation: s · x + (1 - s) · luma of the pixel;
 * - hue: a rotation of the chroma plane of YIQ by -2π·h.
 *
 * Each step clips to [0, 1], and a step whose strength is 0 is skipped. The four steps run in an
 * order drawn per call, shared by the batch: torchvision draws it per image, and the authors'
 * ColorJitterLayer draws one order of its two steps (contrast, then HSV, or the reverse) per batch.
 *
 * Hue: torchvision and the authors shift the HSV hue. A YIQ rotation is one 3×3 matrix per image,
 * so the hue step is a single batched matMul on every backend, with no branch per hue sector. It
 * keeps greys and the luma 0.299·R + 0.587·G + 0.114·B exactly, and a positive h turns red
 * towards yellow as an HSV shift does. Unlike an HSV shift it does not keep the HSV saturation
 * and value, and colours pushed out of the RGB cube are clipped.
 * NOTE: the authors scale the hue draw by 255/360 before shifting, so their hue 0.1 turns by at
 * most 0.071; here hue 0.1 turns by at most 0.1, as in torchvision.
 *
 * One channel: a grey image has brightness and contrast but no saturation or hue, so only the
 * brightness and contrast steps run, and the contrast mean is the image mean. The saturation and
 * hue factors are still drawn, so the random stream does not depend on C.
 */
export const colorJitterAugmentation = defineSoftAugmentation<ColorJitterOptions>({
  name: 'color-jitter',
  summary: 'Jitters brightness, contrast, saturation and hue with factors drawn per image, with probability p.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // The authors' get_simclr_augmentation: brightness, contrast and saturation 0.4, hue 0.1, p 0.8.
      brightness: { type: 'number', minimum: 0, default: 0.4, description: 'Strength of the brightness factor.' },
      contrast: { type: 'number', minimum: 0, default: 0.4, description: 'Strength of the contrast factor.' },
      saturation: { type: 'number', minimum: 0, default: 0.4, description: 'Strength of the saturation factor.' },
      hue: {
        type: 'number',
        minimum: 0,
        maximum: 0.5,
        default: 0.1,
        description: 'Largest hue shift in turns of the colour wheel.',
      },
      p: { type: 'number', minimum: 0, maximum: 1, default: 0.8, description: 'Probability per image.' },
    },
  },
  create: (options) => ({
    stage: 'after-shift',
    apply: (images: Tensor4D, random: RandomSource) => jitterColors(images, random, options),
  }),
});

/**
 * Jitters each image with probability p (see `colorJitterAugmentation`). Draws, per image in
 * order, the Bernoulli flag and the brightness, contrast, saturation and hue factors. Then it
 * draws the order of the four steps.
 * images: [N, H, W, 1 or 3] float32 in [0, 1]. Returns the same shape in [0, 1] that the caller
 * disposes.
 */
export function jitterColors(images: Tensor4D, random: RandomSource, options: ColorJitterOptions): Tensor4D {
  assertImageBatch('color-jitter', images);
  assertChannels('color-jitter', images, [1, 3], 'brightness and contrast need grey or RGB images');
  const factors = Array.from({ length: images.shape[0] }, () => drawFactors(random, options));
  const order = random.shuffle<JitterStep[]>(['brightness', 'contrast', 'saturation', 'hue']);
  const isRgb = images.shape[3] === 3;

  return tf.tidy(() => {
    let result = images;
    for (const step of order) {
      if (options[step] === 0) continue;
      const values = factors.map((factor) => factor[step]);
      if (step === 'brightness') result = scaleBrightness(result, values);
      else if (step === 'contrast') result = blendWithMeanLuma(result, values);
      else if (isRgb && step === 'saturation') result = blendWithLuma(result, values);
      else if (isRgb && step === 'hue') result = rotateHue(result, values);
    }
    return tf.where(expandPerImageMask(factors.map((factor) => factor.apply), images.shape), result, images);
  });
}

function drawFactors(random: RandomSource, options: ColorJitterOptions): JitterFactors {
  const aroundOne = (strength: number) => random.uniformBetween(Math.max(0, 1 - strength), 1 + strength);
  return {
    apply: random.bernoulli(options.p),
    brightness: aroundOne(options.brightness),
    contrast: aroundOne(options.contrast),
    saturation: aroundOne(options.saturation),
    hue: random.uniformBetween(-options.hue, options.hue),
  };
}

function scaleBrightness(images: Tensor4D, factors: readonly number[]): Tensor4D {
  return tf.clipByValue(tf.mul(images, expandPerImage(factors, images.shape)), 0, 1) as Tensor4D;
}

/** c·x + (1 - c)·m with m the mean luma of each image (the mean itself for one channel). */
function blendWithMeanLuma(images: Tensor4D, factors: readonly number[]): Tensor4D {
  const grey = images.shape[3] === 3 ? computeLuma(images) : images;
  return blend(images, broadcastPerImage(tf.mean(grey, [1, 2, 3]), images.shape), factors);
}

/** s·x + (1 - s)·Y with Y the luma of each pixel. */
function blendWithLuma(images: Tensor4D, factors: readonly number[]): Tensor4D {
  return blend(images, replicateLuma(images), factors);
}

/**
 * f·x + (1 - f)·target with one f per image, clipped; f = 1 returns x exactly.
 * target: the same shape as images.
 */
function blend(images: Tensor4D, target: Tensor4D, factors: readonly number[]): Tensor4D {
  const weights = expandPerImage(factors, images.shape);
  const complements = expandPerImage(factors.map((factor) => 1 - factor), images.shape);
  const mixed = tf.add(tf.mul(images, weights), tf.mul(target, complements));
  return tf.clipByValue(mixed, 0, 1) as Tensor4D;
}

function rotateHue(images: Tensor4D, hues: readonly number[]): Tensor4D {
  // mixChannels computes pixel · matrix for row-vector pixels, and pixel · Mᵀ = (M · pixel)ᵀ, so
  // each image's rotation goes in transposed.
  const transposed = hues.map((hue) => {
    const matrix = hueRotationMatrix(hue);
    return [0, 1, 2].flatMap((row) => [0, 1, 2].map((column) => matrix[column * 3 + row] ?? 0));
  });
  return tf.clipByValue(mixChannels(images, transposed), 0, 1);
}

/** RGB -> YIQ (FCC NTSC coefficients); its first row is the BT.601 luma. */
const RGB_TO_YIQ = [
  [LUMA_WEIGHTS[0], LUMA_WEIGHTS[1], LUMA_WEIGHTS[2]],
  [0.596, -0.274, -0.322],
  [0.211, -0.523, 0.312],
];
const YIQ_TO_RGB = invert3x3(RGB_TO_YIQ);

/**
 * Builds the RGB matrix that rotates the (I, Q) chroma plane by -2π·hue and keeps Y, as 9
 * numbers in row-major order. The minus sign matches the direction of an HSV hue shift: red (I, Q > 0) turns
 * towards yellow (I > 0, Q < 0).
 */
export function hueRotationMatrix(hue: number): number[] {
  const angle = -2 * Math.PI * hue;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const rotation = [
    [1, 0, 0],
    [0, cos, -sin],
    [0, sin, cos],
  ];
  const product = multiply3x3(YIQ_TO_RGB, multiply3x3(rotation, RGB_TO_YIQ));
  return product.flat();
}

function multiply3x3(a: readonly number[][], b: readonly number[][]): number[][] {
  return [0, 1, 2].map((row) =>
    [0, 1, 2].map((column) =>
      [0, 1, 2].reduce((sum, k) => sum + (a[row]?.[k] ?? 0) * (b[k]?.[column] ?? 0), 0),
    ),
  );
}

/** Inverse of a 3×3 matrix by cofactors; RGB_TO_YIQ has determinant ≈ -0.254, far from 0. */
function invert3x3(m: readonly number[][]): number[][] {
  const at = (row: number, column: number) => m[row]?.[column] ?? 0;
  const cofactor = (row: number, column: number) => {
    const rows = [0, 1, 2].filter((r) => r !== row);
    const columns = [0, 1, 2].filter((c) => c !== column);
    const [r0 = 0, r1 = 0] = rows;
    const [c0 = 0, c1 = 0] = columns;
    const minor = at(r0, c0) * at(r1, c1) - at(r0, c1) * at(r1, c0);
    return (row + column) % 2 === 0 ? minor : -minor;
  };
  const determinant = [0, 1, 2].reduce((sum, column) => sum + at(0, column) * cofactor(0, column), 0);
  // The inverse is the transposed cofactor matrix divided by the determinant.
  return [0, 1, 2].map((row) => [0, 1, 2].map((column) => cofactor(column, row) / determinant));
}

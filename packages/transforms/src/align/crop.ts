import { defineSoftAugmentation, type RandomSource, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch } from '../image-batch.js';
import { padByEdgeRepeat } from '../ops/edge-padding.js';
import { assertOrderedRange, type RangeOption } from '../range-option.js';

export interface CropOptions {
  /** [min, max] of the crop area as a fraction of the image area. */
  scale: RangeOption;
  /** [min, max] of the crop aspect ratio width / height, drawn log-uniformly. */
  ratio: RangeOption;
}

/** A crop box in whole pixels: rows top..top+height-1, columns left..left+width-1. */
export interface PixelBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** torchvision's RandomResizedCrop tries this many boxes before it falls back to a centre crop. */
const MAX_ATTEMPTS = 10;

/**
 * Random resized crop (the "Inception crop"), drawn per image: a box of random area and aspect
 * ratio, resized back to the input size with bilinear interpolation.
 *
 * A fixed scale [s, s] draws every box with area s·H·W (up to rounding to whole pixels); the
 * test-time ensemble uses it with s = 0.54. torchvision's centre-crop fallback still applies
 * when no box fits, which happens only for s near 1 with a ratio range away from 1.
 */
export const cropAugmentation = defineSoftAugmentation<CropOptions>({
  name: 'crop',
  summary: 'Crops a box of random area and aspect ratio per image and resizes it back (bilinear).',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // torchvision's RandomResizedCrop defaults, which the authors keep for training.
      scale: {
        type: 'array',
        items: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        minItems: 2,
        maxItems: 2,
        default: [0.08, 1],
        description: '[min, max] of the crop area as a fraction of the image area; [s, s] fixes it.',
      },
      ratio: {
        type: 'array',
        items: { type: 'number', exclusiveMinimum: 0 },
        minItems: 2,
        maxItems: 2,
        default: [3 / 4, 4 / 3],
        description: '[min, max] of the aspect ratio width / height.',
      },
    },
  },
  create: ({ scale, ratio }) => {
    assertOrderedRange('crop', 'scale', scale);
    assertOrderedRange('crop', 'ratio', ratio);
    return {
      stage: 'after-shift',
      apply: (images: Tensor4D, random: RandomSource) => cropRandomly(images, random, scale, ratio),
    };
  },
});

/**
 * Crops one random box per image (see `sampleCropBox`, drawn in image order) and resizes it to
 * the input size. images: [N, H, W, C] float32 in [0, 1]. Returns [N, H, W, C] in [0, 1] that
 * the caller disposes.
 */
export function cropRandomly(
  images: Tensor4D,
  random: RandomSource,
  scale: RangeOption,
  ratio: RangeOption,
): Tensor4D {
  assertImageBatch('crop', images);
  const [count, height, width] = images.shape;
  const boxes = Array.from({ length: count }, () => sampleCropBox(random, height, width, scale, ratio));
  return resizeCrops(images, boxes);
}

/**
 * Draws one crop box as torchvision's RandomResizedCrop.get_params does. Each of up to 10 tries
 * draws an area uniformly from scale·H·W and an aspect ratio log-uniformly from `ratio`, and
 * rounds width and height half to even (as Python's round) to whole pixels. The first box that
 * fits gets a uniform position. If none fits, the result is the largest centred box whose ratio
 * is clamped into `ratio`.
 */
export function sampleCropBox(
  random: RandomSource,
  height: number,
  width: number,
  scale: RangeOption,
  ratio: RangeOption,
): PixelBox {
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const targetArea = area * random.uniformBetween(scale[0], scale[1]);
    const aspectRatio = Math.exp(random.uniformBetween(logRatio[0], logRatio[1]));
    const boxWidth = roundHalfToEven(Math.sqrt(targetArea * aspectRatio));
    const boxHeight = roundHalfToEven(Math.sqrt(targetArea / aspectRatio));
    if (boxWidth > 0 && boxWidth <= width && boxHeight > 0 && boxHeight <= height) {
      const top = random.integer(0, height - boxHeight);
      const left = random.integer(0, width - boxWidth);
      return { top, left, height: boxHeight, width: boxWidth };
    }
  }

  let boxWidth = width;
  let boxHeight = height;
  const imageRatio = width / height;
  if (imageRatio < ratio[0]) {
    boxHeight = roundHalfToEven(boxWidth / ratio[0]);
  } else if (imageRatio > ratio[1]) {
    boxWidth = roundHalfToEven(boxHeight * ratio[1]);
  }
  return {
    top: Math.floor((height - boxHeight) / 2),
    left: Math.floor((width - boxWidth) / 2),
    height: boxHeight,
    width: boxWidth,
  };
}

/**
 * Resizes box n of image n to the full image size [H, W] with bilinear interpolation on
 * half-pixel centres: output pixel i samples the box at top + (i + 0.5)·height/H - 0.5, as
 * torch's interpolate with align_corners=False does (and so torchvision's resized_crop).
 * Samples that fall up to half a pixel outside the image read the nearest edge pixel, as there.
 *
 * images: [N, H, W, C] float32 in [0, 1]; boxes: N boxes inside the image, in image order.
 * Returns [N, H, W, C] in [0, 1] that the caller disposes.
 */
export function resizeCrops(images: Tensor4D, boxes: readonly PixelBox[]): Tensor4D {
  const [count, height, width] = images.shape;
  // cropAndResize samples y1·(H'-1) + i·(y2 - y1)·(H'-1)/(H-1) on its input of height H'. On the
  // image padded by one edge pixel (H' = H + 2) the half-pixel sample above is that point + 1,
  // which gives y1 and y2 below. Beyond the padding cropAndResize would return 0, not the edge.
  const normalised = new Float32Array(count * 4);
  boxes.forEach((box, index) => {
    const [y1, y2] = paddedBoxSpan(box.top, box.height, height);
    const [x1, x2] = paddedBoxSpan(box.left, box.width, width);
    normalised.set([y1, x1, y2, x2], index * 4);
  });
  return tf.tidy(() =>
    tf.clipByValue(
      tf.image.cropAndResize(
        padByEdgeRepeat(images),
        tf.tensor2d(normalised, [count, 4]),
        tf.tensor1d(Int32Array.from({ length: count }, (_, index) => index), 'int32'),
        [height, width],
        'bilinear',
      ),
      0,
      1,
    ),
  );
}

/**
 * Computes the normalised [start, end] with which cropAndResize, run on the image padded by one
 * pixel, samples the pixels start + (i + 0.5)·length/size - 0.5 for i = 0..size-1. For size 1
 * cropAndResize takes the midpoint of start and end, which is the same point.
 */
function paddedBoxSpan(start: number, length: number, size: number): [number, number] {
  const paddedLast = size + 1;
  const first = (start + 0.5 + (0.5 * length) / size) / paddedLast;
  const span = size > 1 ? (length * (size - 1)) / (size * paddedLast) : 0;
  return [first, first + span];
}

/** Rounds to the nearest integer, ties to even, as Python 3's round does. */
function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

import type { ImageSet } from '@csi/core';
import { resizeBilinear } from './image-resize.js';

/**
 * Returns `set` with every image converted to [height, width, channels]. Going from 1 to 3
 * channels repeats the gray value, and going from 3 to 1 takes the BT.601 luma
 * (299 R + 587 G + 114 B) / 1000. A different size is resized with `resizeBilinear`.
 * Returns `set` itself when it already has that shape. Channel counts other than 1 and 3
 * cannot be converted and raise a RangeError.
 */
export function conformImageSet(set: ImageSet, [height, width, channels]: readonly [number, number, number]): ImageSet {
  if (set.height === height && set.width === width && set.channels === channels) return set;
  const convertible = set.channels === channels || ([1, 3].includes(set.channels) && [1, 3].includes(channels));
  if (!convertible) {
    throw new RangeError(`conformImageSet: cannot convert ${set.channels} channels to ${channels}; only 1 and 3 are supported`);
  }
  const inputSize = set.height * set.width * set.channels;
  const outputSize = height * width * channels;
  const images = new Uint8Array(set.count * outputSize);
  for (let i = 0; i < set.count; i++) {
    const converted = convertHwcChannels(set.images.subarray(i * inputSize, (i + 1) * inputSize), set.channels, channels);
    images.set(resizeBilinear(converted, [set.height, set.width, channels], height, width), i * outputSize);
  }
  return { ...set, images, height, width, channels };
}

function convertHwcChannels(pixels: Uint8Array, from: number, to: number): Uint8Array {
  if (from === to) return pixels;
  const count = pixels.length / from;
  const output = new Uint8Array(count * to);
  for (let p = 0; p < count; p++) {
    if (to === 3) {
      const gray = pixels[p] as number;
      output[3 * p] = gray;
      output[3 * p + 1] = gray;
      output[3 * p + 2] = gray;
    } else {
      const red = pixels[3 * p] as number;
      const green = pixels[3 * p + 1] as number;
      const blue = pixels[3 * p + 2] as number;
      output[p] = Math.round((299 * red + 587 * green + 114 * blue) / 1000);
    }
  }
  return output;
}

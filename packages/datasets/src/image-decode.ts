import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '@csi/core';

/** File name endings read as images, lowercase. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** A decoded image as 8-bit RGBA, row-major: pixel (y, x) starts at 4 · (y · width + x). */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

// Guards against decompression bombs: 64 megapixels already take 256 MB as 8-bit RGBA.
const MAX_MEGAPIXELS = 64;

/**
 * Decodes a PNG or JPEG file to 8-bit RGBA. The format comes from the first bytes, not from the
 * file name. PNG: every colour type and bit depth (16-bit is rescaled to 8), with CRC checks.
 * JPEG: baseline and progressive, decoded strictly, so a truncated file fails instead of
 * coming back half grey. Any failure is a DataError that names `file`.
 */
export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsWith(buffer, PNG_SIGNATURE)) return decodePng(buffer, file);
  if (startsWith(buffer, JPEG_SIGNATURE)) return decodeJpeg(buffer, file);
  const head = [...buffer.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  throw new DataError(
    `${file}: not a PNG or JPEG file (it starts with the bytes ${head || '(none: the file is empty)'}). ` +
      'Convert it to PNG or JPEG, or move it out of the data folder.',
  );
}

function decodePng(buffer: Buffer, file: string): RgbaImage {
  // IHDR is the first chunk: width and height are the big-endian words at bytes 16 and 20.
  if (buffer.length >= 24) {
    const width = buffer.readUInt32BE(16);
    const height = buffer.readUInt32BE(20);
    if (width * height > MAX_MEGAPIXELS * 1e6) {
      throw new DataError(
        `${file}: the PNG image is ${width} × ${height} pixels, more than the ${MAX_MEGAPIXELS} megapixels ` +
          'this reader decodes. Shrink the image, or move it out of the data folder.',
      );
    }
  }
  let png;
  try {
    png = PNG.sync.read(buffer);
  } catch (error) {
    throw decodeFailure(file, 'PNG', error);
  }
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

function decodeJpeg(buffer: Buffer, file: string): RgbaImage {
  let image;
  try {
    image = jpeg.decode(buffer, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxResolutionInMP: MAX_MEGAPIXELS,
    });
  } catch (error) {
    throw decodeFailure(file, 'JPEG', error);
  }
  if (image.width === 0 || image.height === 0 || image.data.length !== image.width * image.height * 4) {
    throw new DataError(`${file}: the JPEG decoder returned no complete image. Replace the file or move it out of the data folder.`);
  }
  return { width: image.width, height: image.height, rgba: image.data };
}

function decodeFailure(file: string, format: string, error: unknown): DataError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DataError(
    `${file}: cannot decode the ${format} file (${reason}). It is corrupt or truncated; replace it or move it out of the data folder.`,
    { cause: error },
  );
}

function startsWith(buffer: Buffer, signature: readonly number[]): boolean {
  return buffer.length >= signature.length && signature.every((byte, i) => buffer[i] === byte);
}

/**
 * Converts RGBA pixels to `channels` channels, HWC uint8: 3 keeps R, G, B; 1 takes the luma
 * L = (299 R + 587 G + 114 B) / 1000 (ITU-R BT.601), rounded. The alpha channel is dropped.
 */
// NOTE: transparent pixels keep their colour values instead of being blended onto a background,
// so an RGBA image with meaningful transparency reads as its unblended colours.
export function convertChannels(image: RgbaImage, channels: 1 | 3): Uint8Array {
  const pixels = image.width * image.height;
  const output = new Uint8Array(pixels * channels);
  const { rgba } = image;
  for (let p = 0; p < pixels; p++) {
    const red = rgba[4 * p] as number;
    const green = rgba[4 * p + 1] as number;
    const blue = rgba[4 * p + 2] as number;
    if (channels === 3) {
      output[3 * p] = red;
      output[3 * p + 1] = green;
      output[3 * p + 2] = blue;
    } else {
      output[p] = Math.round((299 * red + 587 * green + 114 * blue) / 1000);
    }
  }
  return output;
}

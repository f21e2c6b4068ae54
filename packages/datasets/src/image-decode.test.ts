import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { convertChannels, decodeImage } from './image-decode.js';

/** Encodes a PNG whose pixel (x, y) has the RGB value `colour(x, y)`, as colour type 2 (RGB) or 0 (gray). */
function encodePng(width: number, height: number, colour: (x: number, y: number) => number[], colorType: 0 | 2 | 6 = 2): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [red = 0, green = 0, blue = 0, alpha = 255] = colour(x, y);
      image.data.set([red, green, blue, alpha], 4 * (y * width + x));
    }
  }
  return PNG.sync.write(image, { colorType });
}

function decodeError(bytes: Uint8Array): DataError {
  try {
    decodeImage(bytes, 'images/a.png');
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('decodeImage accepted a bad file');
}

describe('decodeImage', () => {
  it('decodes an RGB PNG exactly', () => {
    const decoded = decodeImage(encodePng(3, 2, (x, y) => [10 * x, 100 + y, 7]), 'a.png');
    expect([decoded.width, decoded.height]).toEqual([3, 2]);
    expect(decoded.rgba).toHaveLength(3 * 2 * 4);
    // Pixel (x = 2, y = 1) starts at 4 · (1 · 3 + 2) = 20.
    expect([...decoded.rgba.subarray(20, 24)]).toEqual([20, 101, 7, 255]);
  });

  it('expands a grayscale PNG to equal R, G and B', () => {
    const decoded = decodeImage(encodePng(2, 1, (x) => [50 + x, 50 + x, 50 + x], 0), 'gray.png');
    expect([...decoded.rgba]).toEqual([50, 50, 50, 255, 51, 51, 51, 255]);
  });

  it('decodes a JPEG within its compression error', () => {
    const width = 16;
    const height = 16;
    const rgba = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) rgba.set([200, 60, 30, 255], 4 * p);
    const encoded = jpeg.encode({ width, height, data: rgba }, 95).data;
    const decoded = decodeImage(encoded, 'photo.jpg');
    expect([decoded.width, decoded.height]).toEqual([16, 16]);
    for (const [index, value] of [[0, 200], [1, 60], [2, 30]] as const) {
      expect(Math.abs((decoded.rgba[4 * 37 + index] as number) - value)).toBeLessThanOrEqual(4);
    }
  });

  it('reads the format from the bytes, not the name', () => {
    const decoded = decodeImage(encodePng(1, 1, () => [1, 2, 3]), 'really-a-png.jpg');
    expect([...decoded.rgba]).toEqual([1, 2, 3, 255]);
  });

  it('rejects a file that is neither PNG nor JPEG', () => {
    const { message } = decodeError(Buffer.from('GIF89a......'));
    expect(message).toContain('images/a.png: not a PNG or JPEG file (it starts with the bytes 47 49 46 38 39 61 2e 2e)');
    expect(message).toContain('Convert it to PNG or JPEG');
  });

  it('rejects an empty file', () => {
    expect(decodeError(new Uint8Array(0)).message).toContain('(none: the file is empty)');
  });

  it('rejects a truncated PNG', () => {
    const bytes = encodePng(8, 8, (x, y) => [x * 30, y * 30, 0]);
    const { message } = decodeError(bytes.subarray(0, bytes.length - 30));
    expect(message).toContain('images/a.png: cannot decode the PNG file');
    expect(message).toContain('corrupt or truncated');
  });

  it('rejects a truncated JPEG', () => {
    const rgba = new Uint8Array(32 * 32 * 4).map((_, i) => (i * 13) % 256);
    const encoded = jpeg.encode({ width: 32, height: 32, data: rgba }, 90).data;
    const { message } = decodeError(encoded.subarray(0, encoded.length >> 1));
    expect(message).toContain('images/a.png: cannot decode the JPEG file');
  });
});

describe('convertChannels', () => {
  const image = { width: 2, height: 1, rgba: Uint8Array.from([200, 100, 50, 255, 0, 0, 255, 0]) };

  it('keeps R, G, B and drops alpha', () => {
    expect([...convertChannels(image, 3)]).toEqual([200, 100, 50, 0, 0, 255]);
  });

  it('takes the BT.601 luma for one channel', () => {
    // (299 · 200 + 587 · 100 + 114 · 50) / 1000 = 124.2; (114 · 255) / 1000 = 29.07.
    const gray = convertChannels(image, 1);
    expect(gray).toBeInstanceOf(Uint8Array);
    expect([...gray]).toEqual([124, 29]);
  });
});

describe('decodeImage size limit', () => {
  it('rejects a PNG above 64 megapixels before decoding', () => {
    // Only the signature and IHDR are needed: the size check comes before any pixel data.
    const header = encodePng(1, 1, () => [0, 0, 0]);
    header.writeUInt32BE(10000, 16);
    header.writeUInt32BE(7000, 20);
    const { message } = decodeError(header);
    expect(message).toContain('images/a.png: the PNG image is 10000 × 7000 pixels, more than the 64 megapixels');
  });
});

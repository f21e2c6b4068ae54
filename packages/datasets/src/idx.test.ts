import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, isGzip, readIdxFile } from './idx.js';
import { readImageSet } from './image-set.js';

const FIX = 'Delete the file and run `csi data fetch fashion-mnist`.';

// Two 2×3 images, pixels 0..11, written by hand in IDX layout.
const IMAGE_BYTES = new Uint8Array([
  0x00, 0x00, 0x08, 0x03, // magic 0x00000803
  0x00, 0x00, 0x00, 0x02, // count 2
  0x00, 0x00, 0x00, 0x02, // rows 2
  0x00, 0x00, 0x00, 0x03, // cols 3
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
]);
const LABEL_BYTES = new Uint8Array([0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 1, 0]);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csi-idx-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeFixture(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function readError(path: string, kind: 'images' | 'labels'): Promise<DataError> {
  const error = await readIdxFile(path, kind, FIX).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe('decodeIdx', () => {
  it('decodes hand-written images', () => {
    const decoded = decodeIdx(IMAGE_BYTES, 'images', { file: 'x' });
    expect(decoded.dimensions).toEqual([2, 2, 3]);
    expect([...decoded.values]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('decodes hand-written labels', () => {
    const decoded = decodeIdx(LABEL_BYTES, 'labels', { file: 'x' });
    expect(decoded.dimensions).toEqual([2]);
    expect([...decoded.values]).toEqual([1, 0]);
  });

  it('inverts encodeIdx', () => {
    const encoded = encodeIdx('images', [2, 2, 3], IMAGE_BYTES.subarray(16));
    expect([...encoded]).toEqual([...IMAGE_BYTES]);
  });
});

describe('readIdxFile', () => {
  it('reads a raw file', async () => {
    const path = await writeFixture('raw-images', IMAGE_BYTES);
    const decoded = await readIdxFile(path, 'images');
    expect(decoded.dimensions).toEqual([2, 2, 3]);
    expect(decoded.values[11]).toBe(11);
  });

  it('reads a gzipped file', async () => {
    const compressed = gzipSync(IMAGE_BYTES);
    expect(isGzip(compressed)).toBe(true);
    const path = await writeFixture('gz-images.gz', compressed);
    const decoded = await readIdxFile(path, 'images');
    expect(decoded.dimensions).toEqual([2, 2, 3]);
    expect([...decoded.values]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('detects gzip by header, not by name', async () => {
    const path = await writeFixture('no-suffix', gzipSync(LABEL_BYTES));
    expect((await readIdxFile(path, 'labels')).values[0]).toBe(1);
  });

  it('rejects a wrong magic number', async () => {
    const bytes = IMAGE_BYTES.slice();
    bytes[0] = 0x12;
    const path = await writeFixture('bad-magic', bytes);
    const { message } = await readError(path, 'images');
    expect(message).toContain(path);
    expect(message).toContain('not an IDX file');
    expect(message).toContain('magic number 0x12000803');
    expect(message).toContain('expected 0x00000803');
    expect(message).toContain(FIX);
  });

  it('rejects a wrong data type', async () => {
    const bytes = IMAGE_BYTES.slice();
    bytes[2] = 0x0d;
    const path = await writeFixture('float-type', bytes);
    const { message } = await readError(path, 'images');
    expect(message).toContain('data type 0x0d (float32)');
    expect(message).toContain('expected 0x08 (unsigned byte)');
    expect(message).toContain(FIX);
  });

  it('rejects labels read as images', async () => {
    const path = await writeFixture('labels-as-images', LABEL_BYTES);
    const { message } = await readError(path, 'images');
    expect(message).toContain('declares 1 dimensions, expected 3');
    expect(message).toContain('looks like an IDX labels file');
  });

  it('rejects a truncated file', async () => {
    const path = await writeFixture('truncated', IMAGE_BYTES.subarray(0, IMAGE_BYTES.length - 5));
    const { message } = await readError(path, 'images');
    expect(message).toContain('truncated');
    expect(message).toContain(`the file has ${IMAGE_BYTES.length - 5} bytes`);
    expect(message).toContain('expected 16 + 2·2·3 = 28');
    expect(message).toContain(FIX);
  });

  it('rejects a truncated header', async () => {
    const path = await writeFixture('short-header', IMAGE_BYTES.subarray(0, 10));
    const { message } = await readError(path, 'images');
    expect(message).toContain('truncated IDX header');
    expect(message).toContain('has 10 bytes, expected at least 16');
  });

  it('rejects a file that is too long', async () => {
    const bytes = new Uint8Array(IMAGE_BYTES.length + 3);
    bytes.set(IMAGE_BYTES);
    const path = await writeFixture('too-long', bytes);
    const { message } = await readError(path, 'images');
    expect(message).toContain('too long');
    expect(message).toContain('the file has 31 bytes, expected 16 + 2·2·3 = 28');
    expect(message).toContain('3 bytes after the data');
  });

  it('rejects a corrupt gzip stream', async () => {
    const compressed = gzipSync(IMAGE_BYTES);
    const corrupt = compressed.subarray(0, Math.floor(compressed.length / 2));
    const path = await writeFixture('corrupt.gz', corrupt);
    const { message, cause } = await readError(path, 'images');
    expect(message).toContain(path);
    expect(message).toContain('corrupt gzip stream');
    expect(message).toContain(FIX);
    expect(cause).toBeInstanceOf(Error);
  });

  it('names a missing file', async () => {
    const path = join(dir, 'absent.gz');
    const { message } = await readError(path, 'labels');
    expect(message).toContain(`${path}: cannot read the file`);
  });
});

describe('readImageSet', () => {
  const classNames = ['zero', 'one'];

  it('reads images and labels into an ImageSet', async () => {
    const images = await writeFixture('set-images.gz', gzipSync(IMAGE_BYTES));
    const labels = await writeFixture('set-labels', LABEL_BYTES);
    const set = await readImageSet({ images, labels }, classNames, { imageShape: [2, 3, 1] });
    expect(set.count).toBe(2);
    expect([set.height, set.width, set.channels]).toEqual([2, 3, 1]);
    expect(set.labels).toBeInstanceOf(Int32Array);
    expect([...set.labels]).toEqual([1, 0]);
    expect([...set.images.subarray(6)]).toEqual([6, 7, 8, 9, 10, 11]);
    expect(set.classNames).toBe(classNames);
  });

  it('rejects a label count mismatch', async () => {
    const images = await writeFixture('mismatch-images', IMAGE_BYTES);
    const threeLabels = encodeIdx('labels', [3], new Uint8Array([0, 1, 0]));
    const labels = await writeFixture('mismatch-labels', threeLabels);
    const error = await readImageSet({ images, labels }, classNames, { fix: FIX }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    expect(message).toContain(`${labels}: 3 labels, but ${images} has 2 images`);
    expect(message).toContain(FIX);
  });

  it('rejects a label outside the classes', async () => {
    const images = await writeFixture('range-images', IMAGE_BYTES);
    const labels = await writeFixture('range-labels', encodeIdx('labels', [2], new Uint8Array([0, 7])));
    const error = await readImageSet({ images, labels }, classNames).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain('label 7 of image 1 is not a class index; expected 0 to 1');
  });

  it('rejects images of another size', async () => {
    const images = await writeFixture('shape-images', IMAGE_BYTES);
    const labels = await writeFixture('shape-labels', LABEL_BYTES);
    const error = await readImageSet({ images, labels }, classNames, { imageShape: [28, 28, 1] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain('images are [2, 3, 1] (H, W, C), expected [28, 28, 1]');
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError, createSilentLogger } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFolderDataset, type ImageFolderOptions } from './image-folder.js';
import { mvtecDataset, type MvtecOptions } from './mvtec.js';
import { OneClassProtocol } from './one-class.js';

const context = { logger: createSilentLogger(), cacheDir: '/nonexistent' };

/** A PNG of one RGB colour, as colour type 2 (RGB) or 0 (gray, from equal R, G, B). */
function solidPng(width: number, height: number, [red, green, blue]: number[], colorType: 0 | 2 = 2): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) image.data.set([red ?? 0, green ?? 0, blue ?? 0, 255], 4 * p);
  return PNG.sync.write(image, { colorType });
}

function solidJpeg(width: number, height: number, [red, green, blue]: number[]): Buffer {
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([red ?? 0, green ?? 0, blue ?? 0, 255], 4 * p);
  return jpeg.encode({ width, height, data }, 95).data;
}

let work: string;
let counter = 0;

async function writeTree(files: Record<string, Buffer | string | null>): Promise<string> {
  const root = join(work, `tree-${++counter}`);
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    if (content === null) {
      await mkdir(path, { recursive: true });
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
  }
  return root;
}

function imageFolder(options: Partial<ImageFolderOptions> & { root: string }) {
  const full: ImageFolderOptions = { height: 8, width: 8, channels: 3, splits: { train: 'train', test: 'test' }, ...options };
  return imageFolderDataset.create(full, context);
}

async function expectDataError(action: () => Promise<unknown> | unknown): Promise<DataError> {
  const error = await (async () => action())().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csi-image-folder-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('image-folder', () => {
  const RED = [220, 20, 20];
  const BLUE = [10, 20, 200];

  it('reads classes from folder names and resizes mixed sizes', async () => {
    const root = await writeTree({
      'train/square/a.png': solidPng(8, 8, RED),
      'train/square/b.png': solidPng(20, 12, RED),
      'train/circle/a.png': solidPng(3, 5, BLUE),
      'train/circle/.DS_Store': 'not an image, hidden',
      'test/circle/x.png': solidPng(8, 8, BLUE),
      'test/triangle/y.jpg': solidJpeg(16, 16, [128, 128, 128]),
    });
    const dataset = imageFolder({ root });
    expect(dataset.classNames).toEqual(['circle', 'square', 'triangle']);
    expect(dataset.imageShape).toEqual([8, 8, 3]);

    const train = await dataset.load('train');
    expect(train.count).toBe(3);
    expect([train.height, train.width, train.channels]).toEqual([8, 8, 3]);
    expect(train.images).toHaveLength(3 * 8 * 8 * 3);
    // Folder order (circle, square), then file-name order.
    expect([...train.labels]).toEqual([0, 1, 1]);
    // A one-colour image keeps its colour through resizing, whatever its size.
    for (const [image, colour] of [[0, BLUE], [1, RED], [2, RED]] as const) {
      for (const pixel of [0, 27, 63]) {
        const start = image * 192 + pixel * 3;
        expect([...train.images.subarray(start, start + 3)], `image ${image} pixel ${pixel}`).toEqual(colour);
      }
    }

    const test = await dataset.load('test');
    expect([...test.labels]).toEqual([0, 2]);
    expect(Math.abs((test.images[192 + 100] as number) - 128)).toBeLessThanOrEqual(3);
  });

  it('converts colour to grayscale and grayscale to colour', async () => {
    const root = await writeTree({
      'train/a/colour.png': solidPng(4, 4, [200, 100, 50]),
      'test/a/gray.png': solidPng(4, 4, [90, 90, 90], 0),
    });
    const gray = imageFolder({ root, height: 4, width: 4, channels: 1 });
    const train = await gray.load('train');
    expect(train.channels).toBe(1);
    // Luma (299 · 200 + 587 · 100 + 114 · 50) / 1000 = 124.2.
    expect([...train.images]).toEqual(new Array(16).fill(124));

    const colour = imageFolder({ root, height: 4, width: 4, channels: 3 });
    const test = await colour.load('test');
    expect([...test.images.subarray(0, 6)]).toEqual([90, 90, 90, 90, 90, 90]);
  });

  it('uses the split folder names of the options', async () => {
    const root = await writeTree({
      'training/a/1.png': solidPng(2, 2, RED),
      'validation/a/1.png': solidPng(2, 2, RED),
      'validation/b/1.png': solidPng(2, 2, BLUE),
    });
    const dataset = imageFolder({ root, height: 2, width: 2, splits: { train: 'training', test: 'validation' } });
    expect(dataset.classNames).toEqual(['a', 'b']);
    expect((await dataset.load('test')).count).toBe(2);
  });

  it('names a file that is not an image', async () => {
    const root = await writeTree({ 'train/a/1.png': solidPng(2, 2, RED), 'train/a/notes.txt': 'hello', 'test/a/1.png': solidPng(2, 2, RED) });
    const error = await expectDataError(() => imageFolder({ root }).load('train'));
    expect(error.message).toContain(`image-folder: split "train": ${join(root, 'train/a/notes.txt')} is not an image file`);
    expect(error.message).toContain('.png, .jpg, .jpeg');
  });

  it('names an image that cannot be decoded', async () => {
    const good = solidPng(6, 6, RED);
    const root = await writeTree({ 'train/a/1.png': good, 'train/a/2.png': good.subarray(0, 40), 'test/a/1.png': good });
    const error = await expectDataError(() => imageFolder({ root }).load('train'));
    expect(error.message).toContain(`${join(root, 'train/a/2.png')}: cannot decode the PNG file`);
  });

  it('names text saved under an image name', async () => {
    const root = await writeTree({ 'train/a/1.jpg': 'plain text', 'test/a/1.png': solidPng(2, 2, RED) });
    const error = await expectDataError(() => imageFolder({ root }).load('train'));
    expect(error.message).toContain(`${join(root, 'train/a/1.jpg')}: not a PNG or JPEG file`);
  });

  it('rejects an empty class folder', async () => {
    const root = await writeTree({ 'train/a/1.png': solidPng(2, 2, RED), 'train/b': null, 'test/a/1.png': solidPng(2, 2, RED) });
    const error = await expectDataError(() => imageFolder({ root }).load('train'));
    expect(error.message).toContain(`the class folder ${join(root, 'train/b')} has no images`);
  });

  it('reads one split without the other, and rejects loading the missing one', async () => {
    const root = await writeTree({ 'test/a/1.png': solidPng(2, 2, RED), 'test/b/1.png': solidPng(2, 2, BLUE) });
    const dataset = imageFolder({ root, height: 2, width: 2 });
    expect(dataset.classNames).toEqual(['a', 'b']);
    expect((await dataset.load('test')).count).toBe(2);
    const error = await expectDataError(() => dataset.load('train'));
    expect(error.message).toContain(`image-folder: split "train": cannot read ${join(root, 'train')} (no such folder)`);
    expect(error.message).toContain(`with root "${root}"`);
    expect(error.message).toContain('check the options root and splits.train of this image-folder data set');
  });

  it('rejects a root without split folders', async () => {
    const root = await writeTree({ 'elsewhere/a/1.png': solidPng(2, 2, RED) });
    const error = await expectDataError(() => imageFolder({ root }).classNames);
    expect(error.message).toContain(`image-folder: split "train": cannot read ${join(root, 'train')} (no such folder)`);
  });

  it('rejects an image outside a class folder', async () => {
    const root = await writeTree({ 'train/a/1.png': solidPng(2, 2, RED), 'train/loose.png': solidPng(2, 2, RED), 'test/a/1.png': solidPng(2, 2, RED) });
    const error = await expectDataError(() => imageFolder({ root }).classNames);
    expect(error.message).toContain(`${join(root, 'train/loose.png')} is a file, but ${join(root, 'train')} must hold only class folders`);
  });

  it('creates the source without touching the disk', () => {
    expect(() => imageFolder({ root: join(work, 'does-not-exist') })).not.toThrow();
  });
});

describe('mvtec', () => {
  const GOOD = [100, 100, 100];
  const CRACK = [250, 0, 0];

  async function writeCategory(extra: Record<string, Buffer | string | null> = {}): Promise<string> {
    return writeTree({
      'bottle/train/good/000.png': solidPng(12, 12, GOOD),
      'bottle/train/good/001.png': solidPng(12, 12, GOOD),
      'bottle/test/good/000.png': solidPng(12, 12, GOOD),
      'bottle/test/crack/000.png': solidPng(12, 12, CRACK),
      'bottle/test/broken_large/000.png': solidPng(12, 12, CRACK),
      'bottle/test/broken_large/001.png': solidPng(12, 12, CRACK),
      'bottle/ground_truth/crack/000_mask.png': solidPng(12, 12, [255, 255, 255]),
      'cable/train/good/000.png': solidPng(12, 12, GOOD),
      ...extra,
    });
  }

  function mvtec(options: Partial<MvtecOptions> & { root: string }) {
    return mvtecDataset.create({ category: 'bottle', height: 6, width: 6, channels: 3, ...options }, context);
  }

  it('puts good first and the defects after it', async () => {
    const dataset = mvtec({ root: await writeCategory() });
    expect(dataset.classNames).toEqual(['good', 'broken_large', 'crack']);
    const train = await dataset.load('train');
    expect(train.count).toBe(2);
    expect([...train.labels]).toEqual([0, 0]);
    expect([...train.images.subarray(0, 3)]).toEqual(GOOD);
    const test = await dataset.load('test');
    // Folder order is sorted by name: broken_large, crack, good.
    expect([...test.labels]).toEqual([1, 1, 2, 0]);
  });

  it('gives the standard split through the one-class protocol', async () => {
    const dataset = mvtec({ root: await writeCategory() });
    const splits = await new OneClassProtocol({ normalClasses: [0] }).prepare(dataset);
    expect(splits.train.count).toBe(2);
    expect([...splits.testIsNormal]).toEqual([0, 0, 0, 1]);
    expect(splits.description).toBe('one-class: normal = 0 (good)');
  });

  it('suggests a category for a typo', async () => {
    const root = await writeCategory();
    const error = await expectDataError(() => mvtec({ root, category: 'botle' }).classNames);
    expect(error.message).toBe(`mvtec: category "botle" not found in ${root}. Found: bottle, cable. Did you mean "bottle"?`);
  });

  it('rejects a test split without good images', async () => {
    const root = await writeTree({ 'bottle/train/good/0.png': solidPng(4, 4, GOOD), 'bottle/test/crack/0.png': solidPng(4, 4, CRACK) });
    const error = await expectDataError(() => mvtec({ root }).classNames);
    expect(error.message).toContain(`${join(root, 'bottle/test')} has no "good" folder, so there are no normal test images. Found: crack.`);
  });

  it('rejects defect folders in the train split', async () => {
    const root = await writeCategory({ 'bottle/train/crack/0.png': solidPng(4, 4, CRACK) });
    const error = await expectDataError(() => mvtec({ root }).load('train'));
    expect(error.message).toContain('must hold only the "good" folder');
    expect(error.message).toContain('found crack, good');
  });

  it('converts grayscale categories to three channels', async () => {
    const root = await writeTree({
      'screw/train/good/0.png': solidPng(10, 10, [40, 40, 40], 0),
      'screw/test/good/0.png': solidPng(10, 10, [40, 40, 40], 0),
      'screw/test/scratch_head/0.png': solidPng(10, 10, [90, 90, 90], 0),
    });
    const test = await mvtec({ root, category: 'screw' }).load('test');
    expect(test.channels).toBe(3);
    expect([...test.labels]).toEqual([0, 1]);
    expect([...test.images.subarray(0, 3)]).toEqual([40, 40, 40]);
    expect([...test.images.subarray(108, 111)]).toEqual([90, 90, 90]);
  });
});

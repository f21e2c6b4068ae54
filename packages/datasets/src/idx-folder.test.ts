import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '@csi/core';
import { encodeIdx } from './idx.js';
import { idxFolderDataset } from './idx-folder.js';

const folder = mkdtempSync(join(tmpdir(), 'csi-idx-folder-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// Two 2×2 training images and one test image, with labels 0, 1 and 1.
writeFileSync(join(folder, 'train-images-idx3-ubyte'), encodeIdx('images', [2, 2, 2], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7])));
writeFileSync(join(folder, 'train-labels-idx1-ubyte'), encodeIdx('labels', [2], Uint8Array.from([0, 1])));
writeFileSync(join(folder, 't10k-images-idx3-ubyte'), encodeIdx('images', [1, 2, 2], Uint8Array.from([9, 8, 7, 6])));
writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), encodeIdx('labels', [1], Uint8Array.from([1])));

const context = { logger: createSilentLogger(), cacheDir: folder };

describe('idx-folder dataset', () => {
  it('reads both splits with the given class names', async () => {
    const source = idxFolderDataset.create({ root: folder, classNames: ['bars', 'dots'], height: 2, width: 2 }, context);
    const train = await source.load('train');
    expect(train.count).toBe(2);
    expect([...train.images]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...train.labels]).toEqual([0, 1]);
    expect(train.classNames).toEqual(['bars', 'dots']);
    const test = await source.load('test');
    expect([...test.images]).toEqual([9, 8, 7, 6]);
    expect(source.imageShape).toEqual([2, 2, 1]);
  });

  it('rejects images of another size than the options say', async () => {
    const source = idxFolderDataset.create({ root: folder, classNames: ['bars', 'dots'], height: 28, width: 28 }, context);
    await expect(source.load('train')).rejects.toThrow(/28/);
  });

  it('names the missing file and the option to fix', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'csi-idx-empty-'));
    const source = idxFolderDataset.create({ root: empty, classNames: ['a', 'b'], height: 2, width: 2 }, context);
    await expect(source.load('train')).rejects.toThrow(/train-images-idx3-ubyte.*data\.dataset\.options\.root/);
    rmSync(empty, { recursive: true, force: true });
  });
});

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ComponentRegistry, DataError, createSilentLogger, type ComponentContext } from '@csi/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IDX_FILE_NAMES } from './catalog.js';
import { encodeIdx } from './idx.js';
import { fashionMnistDataset, mnistDataset } from './idx-dataset.js';
import { register } from './index.js';

// Three train and two test images of 28×28; image i is filled with the value i + 1.
const CONTENT: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte': encodeIdx('images', [3, 28, 28], Uint8Array.from({ length: 3 * 784 }, (_, p) => 1 + Math.floor(p / 784))),
  'train-labels-idx1-ubyte': encodeIdx('labels', [3], new Uint8Array([9, 0, 9])),
  't10k-images-idx3-ubyte': encodeIdx('images', [2, 28, 28], new Uint8Array(2 * 784)),
  't10k-labels-idx1-ubyte': encodeIdx('labels', [2], new Uint8Array([5, 4])),
};

function overrideFor(content: Record<string, Uint8Array>): string {
  return IDX_FILE_NAMES.map(
    (file) => `${file}=${createHash('sha256').update(content[file] as Uint8Array).digest('hex')}`,
  ).join(',');
}

let work: string;
let context: ComponentContext;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csi-idx-dataset-'));
  context = { logger: createSilentLogger(), cacheDir: join(work, 'cache') };
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

async function writeRoot(name: string, content: Record<string, Uint8Array>): Promise<string> {
  const root = join(work, name);
  await mkdir(root, { recursive: true });
  for (const file of IDX_FILE_NAMES) await writeFile(join(root, `${file}.gz`), gzipSync(content[file] as Uint8Array));
  return root;
}

describe('register', () => {
  it('adds seven data sets and four protocols', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('@csi/datasets'));
    expect(registry.names('dataset')).toEqual(['cifar10', 'cifar100', 'fashion-mnist', 'idx-folder', 'image-folder', 'mnist', 'mvtec']);
    expect(registry.names('protocol')).toEqual(['labelled-multi-class', 'multi-class-ood', 'one-class', 'ood-ness']);
  });
});

describe('fashion-mnist component', () => {
  it('reads both splits from root', async () => {
    vi.stubEnv('CSI_FASHION_MNIST_SHA256', overrideFor(CONTENT));
    vi.stubEnv('CSI_DATA_DIR', '');
    const root = await writeRoot('fashion-root', CONTENT);
    const source = fashionMnistDataset.create({ root, download: false }, context);
    expect(source.imageShape).toEqual([28, 28, 1]);
    expect(source.classNames[9]).toBe('Ankle boot');

    const train = await source.load('train');
    expect([train.count, train.height, train.width, train.channels]).toEqual([3, 28, 28, 1]);
    expect([...train.labels]).toEqual([9, 0, 9]);
    expect(train.images[784]).toBe(2);
    expect(train.classNames).toBe(source.classNames);
    const test = await source.load('test');
    expect([...test.labels]).toEqual([5, 4]);
  });

  it('names the fix for a bad file', async () => {
    // The override matches the truncated file, so the checksum passes and the IDX check fails.
    const truncated = { ...CONTENT, 't10k-images-idx3-ubyte': (CONTENT['t10k-images-idx3-ubyte'] as Uint8Array).subarray(0, 100) };
    vi.stubEnv('CSI_FASHION_MNIST_SHA256', overrideFor(truncated));
    const root = await writeRoot('fashion-truncated', truncated);
    const source = fashionMnistDataset.create({ root, download: false }, context);
    const error = await source.load('test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    expect(message).toContain(join(root, 't10k-images-idx3-ubyte.gz'));
    expect(message).toContain('truncated');
    expect(message).toContain('Delete the file and run `csi data fetch fashion-mnist`.');
  });

  it('fails without files when download is off', async () => {
    vi.stubEnv('CSI_FASHION_MNIST_SHA256', overrideFor(CONTENT));
    vi.stubEnv('CSI_DATA_DIR', '');
    const source = fashionMnistDataset.create({ root: join(work, 'absent'), download: false }, context);
    const error = await source.load('train').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain('Fashion-MNIST data files not found');
    expect((error as DataError).message).toContain(`${join(work, 'absent')} (root): no such folder`);
  });
});

describe('mnist component', () => {
  it('reads the train split with digit names', async () => {
    vi.stubEnv('CSI_MNIST_SHA256', overrideFor(CONTENT));
    const root = await writeRoot('mnist-root', CONTENT);
    const source = mnistDataset.create({ root, download: false }, context);
    expect(source.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect((await source.load('train')).count).toBe(3);
  });
});

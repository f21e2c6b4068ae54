import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST, IDX_FILE_NAMES, type IdxDatasetDescription } from './catalog.js';
import { encodeIdx } from './idx.js';
import { defaultCacheDir, listCandidateFolders, locateDataset, resolveChecksums } from './locate.js';

// Four tiny IDX files; their checksums reach the code through CSI_FASHION_MNIST_SHA256.
const CONTENT: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte': encodeIdx('images', [2, 2, 2], new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])),
  'train-labels-idx1-ubyte': encodeIdx('labels', [2], new Uint8Array([0, 1])),
  't10k-images-idx3-ubyte': encodeIdx('images', [1, 2, 2], new Uint8Array([9, 9, 9, 9])),
  't10k-labels-idx1-ubyte': encodeIdx('labels', [1], new Uint8Array([1])),
};
const OVERRIDE = IDX_FILE_NAMES.map(
  (file) => `${file}=${createHash('sha256').update(CONTENT[file] as Uint8Array).digest('hex')}`,
).join(',');

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'csi-locate-'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function writeDataset(dir: string, options: { gzip?: boolean; skip?: string; corrupt?: string } = {}) {
  await mkdir(dir, { recursive: true });
  for (const file of IDX_FILE_NAMES) {
    if (file === options.skip) continue;
    let bytes = CONTENT[file] as Uint8Array;
    if (file === options.corrupt) {
      bytes = bytes.slice();
      bytes[bytes.length - 1] = 200;
    }
    const gzip = options.gzip ?? true;
    await writeFile(join(dir, gzip ? `${file}.gz` : file), gzip ? gzipSync(bytes) : bytes);
  }
}

describe('defaultCacheDir', () => {
  it('uses an absolute XDG_CACHE_HOME', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/csi');
  });

  it('falls back to ~/.cache', () => {
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'csi'));
  });

  it('ignores a relative XDG_CACHE_HOME', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'cache' })).toBe(join(homedir(), '.cache', 'csi'));
  });
});

describe('listCandidateFolders', () => {
  it('orders root, CSI_DATA_DIR, cache, system', () => {
    const folders = listCandidateFolders(FASHION_MNIST, {
      root: '/data/fm',
      env: { CSI_DATA_DIR: '/srv/data', XDG_CACHE_HOME: '/xdg' },
    });
    expect(folders).toEqual([
      { dir: '/data/fm', source: 'root' },
      { dir: '/srv/data/fashion-mnist', source: 'data-dir' },
      { dir: '/xdg/csi/fashion-mnist', source: 'cache' },
      { dir: '/usr/share/datasets/fashion-mnist', source: 'system' },
    ]);
  });

  it('leaves out unset root and CSI_DATA_DIR', () => {
    const folders = listCandidateFolders(FASHION_MNIST, { root: null, cacheDir: '/c', env: {} });
    expect(folders.map((folder) => folder.source)).toEqual(['cache', 'system']);
    expect(folders[0]?.dir).toBe('/c/fashion-mnist');
  });
});

describe('locateDataset', () => {
  it('takes the first folder that verifies', async () => {
    const root = join(base, 'order', 'root');
    const dataDir = join(base, 'order', 'data');
    const xdg = join(base, 'order', 'xdg');
    const system = join(base, 'order', 'system');
    const description: IdxDatasetDescription = { ...FASHION_MNIST, systemDirs: [system] };
    const env = { CSI_DATA_DIR: dataDir, XDG_CACHE_HOME: xdg, CSI_FASHION_MNIST_SHA256: OVERRIDE };

    await writeDataset(system);
    let result = await locateDataset(description, { root, env });
    expect(result.located?.source).toBe('system');
    expect(result.checked.map((folder) => folder.problem)).toEqual([
      'no such folder',
      'no such folder',
      'no such folder',
      undefined,
    ]);

    await writeDataset(join(xdg, 'csi', 'fashion-mnist'), { gzip: false });
    result = await locateDataset(description, { root, env });
    expect(result.located?.source).toBe('cache');
    expect(result.located?.files['t10k-labels-idx1-ubyte']).toBe(
      join(xdg, 'csi', 'fashion-mnist', 't10k-labels-idx1-ubyte'),
    );

    await writeDataset(join(dataDir, 'fashion-mnist'));
    result = await locateDataset(description, { root, env });
    expect(result.located?.source).toBe('data-dir');
    expect(result.located?.dir).toBe(join(dataDir, 'fashion-mnist'));

    await writeDataset(root);
    result = await locateDataset(description, { root, env });
    expect(result.located).toEqual({
      dir: root,
      source: 'root',
      files: Object.fromEntries(IDX_FILE_NAMES.map((file) => [file, join(root, `${file}.gz`)])),
    });
  });

  it('skips a folder with a wrong checksum', async () => {
    const root = join(base, 'corrupt', 'root');
    const dataDir = join(base, 'corrupt', 'data');
    await writeDataset(root, { corrupt: 'train-labels-idx1-ubyte' });
    await writeDataset(join(dataDir, 'fashion-mnist'));
    const env = { CSI_DATA_DIR: dataDir, CSI_FASHION_MNIST_SHA256: OVERRIDE };
    const result = await locateDataset(FASHION_MNIST, { root, env, cacheDir: join(base, 'corrupt', 'cache') });
    expect(result.located?.source).toBe('data-dir');
    const problem = result.checked[0]?.problem ?? '';
    expect(problem).toContain(join(root, 'train-labels-idx1-ubyte.gz'));
    expect(problem).toContain('SHA-256 of the IDX content is');
  });

  it('skips a folder with a missing file', async () => {
    const root = join(base, 'missing', 'root');
    await writeDataset(root, { skip: 't10k-labels-idx1-ubyte' });
    const env = { CSI_FASHION_MNIST_SHA256: OVERRIDE };
    const description = { ...FASHION_MNIST, systemDirs: [] };
    const result = await locateDataset(description, { root, env, cacheDir: join(base, 'missing', 'cache') });
    expect(result.located).toBeUndefined();
    expect(result.checked).toEqual([
      { dir: root, source: 'root', problem: 'missing t10k-labels-idx1-ubyte.gz' },
      { dir: join(base, 'missing', 'cache', 'fashion-mnist'), source: 'cache', problem: 'no such folder' },
    ]);
  });

  it('rejects crafted files under the published checksums', async () => {
    const root = join(base, 'published', 'root');
    await writeDataset(root);
    const description = { ...FASHION_MNIST, systemDirs: [] };
    const result = await locateDataset(description, { root, env: {}, cacheDir: join(base, 'published', 'c') });
    expect(result.located).toBeUndefined();
    expect(result.checked[0]?.problem).toContain(`expected ${FASHION_MNIST.sha256['train-images-idx3-ubyte']}`);
  });
});

describe('resolveChecksums', () => {
  it('returns the published values without override', () => {
    expect(resolveChecksums(FASHION_MNIST, {})).toBe(FASHION_MNIST.sha256);
  });

  it('parses a full override', () => {
    const checksums = resolveChecksums(FASHION_MNIST, { CSI_FASHION_MNIST_SHA256: OVERRIDE });
    const expected = createHash('sha256').update(CONTENT['t10k-images-idx3-ubyte'] as Uint8Array).digest('hex');
    expect(checksums['t10k-images-idx3-ubyte']).toBe(expected);
  });

  it('rejects an incomplete override', () => {
    const partial = OVERRIDE.split(',').slice(0, 3).join(',') + ',bogus';
    const call = () => resolveChecksums(FASHION_MNIST, { CSI_FASHION_MNIST_SHA256: partial });
    expect(call).toThrow(DataError);
    expect(call).toThrow('CSI_FASHION_MNIST_SHA256: invalid entry "bogus"; missing t10k-labels-idx1-ubyte');
    expect(call).toThrow('or unset CSI_FASHION_MNIST_SHA256');
  });
});

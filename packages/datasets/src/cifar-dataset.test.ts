import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataError, UsageError, createSilentLogger, type ComponentContext } from '@csi/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchCifarDataset, resolveArchiveChecksum } from './cifar-acquire.js';
import { CIFAR10, CIFAR100 } from './cifar-catalog.js';
import { cifar100Dataset, cifar10Dataset, type CifarOptions } from './cifar-dataset.js';
import { findExecutable } from './download-apt.js';
import { fetchBuiltinDataset } from './fetch-builtin.js';

const execFileAsync = promisify(execFile);
const tar = await findExecutable('tar', process.env.PATH);
const logger = createSilentLogger();

// Pseudo-random bytes, so that gzip cannot shrink an archive to a few bytes and truncation bites.
function noise(length: number, seed: number): Uint8Array {
  const values = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[i] = state >>> 24;
  }
  return values;
}

/** A batch file of `labels.length` records with the given label bytes and pseudo-random pixel planes. */
function batch(labels: number[][], seed: number): Uint8Array {
  const recordBytes = (labels[0]?.length ?? 1) + 3072;
  const bytes = noise(labels.length * recordBytes, seed);
  labels.forEach((recordLabels, i) => bytes.set(recordLabels, i * recordBytes));
  return bytes;
}

/** The NHWC pixel (y, x, c) of record `index` of a batch, computed from the plane layout. */
function planePixel(bytes: Uint8Array, labelBytes: number, index: number, y: number, x: number, c: number): number {
  return bytes[index * (labelBytes + 3072) + labelBytes + c * 1024 + y * 32 + x] as number;
}

// Two records per train batch and three test records: 10 train and 3 test images.
const CIFAR10_FILES: Record<string, Uint8Array> = {
  'data_batch_1.bin': batch([[0], [1]], 1),
  'data_batch_2.bin': batch([[2], [3]], 2),
  'data_batch_3.bin': batch([[4], [5]], 3),
  'data_batch_4.bin': batch([[6], [7]], 4),
  'data_batch_5.bin': batch([[8], [9]], 5),
  'test_batch.bin': batch([[9], [0], [4]], 6),
  'batches.meta.txt': Buffer.from(`${CIFAR10.labellings.default?.classNames.join('\n')}\n\n`),
};

const CIFAR100_FILES: Record<string, Uint8Array> = {
  'train.bin': batch([[4, 0], [19, 99], [7, 55]], 7),
  'test.bin': batch([[1, 1]], 8),
  'coarse_label_names.txt': Buffer.from(`${CIFAR100.labellings.coarse?.classNames.join('\n')}\n`),
  'fine_label_names.txt': Buffer.from(`${CIFAR100.labellings.fine?.classNames.join('\n')}\n`),
};

let work: string;
let counter = 0;

async function writeFolder(files: Record<string, Uint8Array>, skip: string[] = []): Promise<string> {
  const dir = join(work, `folder-${++counter}`);
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (!skip.includes(name)) await writeFile(join(dir, name), content);
  }
  return dir;
}

/** Writes `<root>/cifar-10-binary.tar.gz` holding `cifar-10-batches-bin/<file>` for each file. */
async function writeArchive(files: Record<string, Uint8Array>, skip: string[] = []): Promise<{ root: string; archive: string; sha256: string }> {
  const root = join(work, `archive-${++counter}`);
  const tree = join(root, 'tree', CIFAR10.archiveFolder);
  await mkdir(tree, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (!skip.includes(name)) await writeFile(join(tree, name), content);
  }
  const archive = join(root, CIFAR10.archiveName);
  await execFileAsync(tar as string, ['-czf', archive, '-C', join(root, 'tree'), CIFAR10.archiveFolder]);
  await rm(join(root, 'tree'), { recursive: true });
  const sha256 = createHash('sha256').update(await readFile(archive)).digest('hex');
  return { root, archive, sha256 };
}

function context(cacheDir = join(work, 'no-cache')): ComponentContext {
  return { logger, cacheDir };
}

function cifar10(options: Partial<CifarOptions>, cacheDir?: string) {
  return cifar10Dataset.create({ root: null, download: false, ...options }, context(cacheDir));
}

async function expectDataError(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csi-cifar-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('cifar10 from extracted files', () => {
  it('reads the five train batches in order as NHWC', async () => {
    const root = await writeFolder(CIFAR10_FILES);
    const dataset = cifar10({ root });
    expect(dataset.imageShape).toEqual([32, 32, 3]);
    expect(dataset.classNames).toHaveLength(10);
    expect(dataset.classNames[0]).toBe('airplane');

    const train = await dataset.load('train');
    expect(train.count).toBe(10);
    expect([train.height, train.width, train.channels]).toEqual([32, 32, 3]);
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect(train.images).toHaveLength(10 * 3072);
    expect([...train.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Image 3 is record 1 of data_batch_2.bin.
    const source = CIFAR10_FILES['data_batch_2.bin'] as Uint8Array;
    for (const [y, x, c] of [[0, 0, 0], [7, 30, 1], [31, 31, 2]] as const) {
      expect(train.images[3 * 3072 + (y * 32 + x) * 3 + c]).toBe(planePixel(source, 1, 1, y, x, c));
    }

    const test = await dataset.load('test');
    expect(test.count).toBe(3);
    expect([...test.labels]).toEqual([9, 0, 4]);
  });

  it('finds the files in the archive folder name', async () => {
    const root = join(work, `nested-${++counter}`);
    await mkdir(join(root, CIFAR10.archiveFolder), { recursive: true });
    for (const [name, content] of Object.entries(CIFAR10_FILES)) await writeFile(join(root, CIFAR10.archiveFolder, name), content);
    const test = await cifar10({ root }).load('test');
    expect([...test.labels]).toEqual([9, 0, 4]);
  });

  it('lists the missing batch files', async () => {
    const root = await writeFolder(CIFAR10_FILES, ['data_batch_3.bin']);
    const error = await expectDataError(cifar10({ root }).load('train'));
    expect(error.message).toContain('CIFAR-10 data files not found');
    expect(error.message).toContain(`${root} lacks data_batch_3.bin`);
    expect(error.message).toContain('Set `download: true` in the data set\'s options');
  });

  it('rejects a truncated batch file', async () => {
    const root = await writeFolder({ ...CIFAR10_FILES, 'data_batch_4.bin': (CIFAR10_FILES['data_batch_4.bin'] as Uint8Array).subarray(0, 5000) });
    const error = await expectDataError(cifar10({ root }).load('train'));
    expect(error.message).toContain(join(root, 'data_batch_4.bin'));
    expect(error.message).toContain('5000 bytes is not a whole, non-zero number of 3073-byte records');
  });

  it('rejects a batch of CIFAR-100 records', async () => {
    const root = await writeFolder({ ...CIFAR10_FILES, 'test_batch.bin': batch([[1, 2], [3, 4], [5, 6]], 9) });
    const error = await expectDataError(cifar10({ root }).load('test'));
    expect(error.message).toContain('9222 bytes is not a whole, non-zero number of 3073-byte records');
  });

  it('rejects a names file of another data set', async () => {
    const root = await writeFolder({ ...CIFAR10_FILES, 'batches.meta.txt': Buffer.from('cat\ndog\n') });
    const error = await expectDataError(cifar10({ root }).load('test'));
    expect(error.message).toContain(join(root, 'batches.meta.txt'));
    expect(error.message).toContain('lists the classes cat, dog (2 names), expected airplane, automobile');
    expect(error.message).toContain('point `root` at the CIFAR-10 files');
  });
});

describe.skipIf(tar === undefined)('cifar10 from the archive', () => {
  it('reads both splits from a verified archive', async () => {
    const { root, sha256 } = await writeArchive(CIFAR10_FILES);
    vi.stubEnv('CSI_CIFAR10_SHA256', sha256);
    const dataset = cifar10({ root });
    const [train, test] = await Promise.all([dataset.load('train'), dataset.load('test')]);
    expect([...train.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const source = CIFAR10_FILES['data_batch_5.bin'] as Uint8Array;
    expect(train.images[9 * 3072 + (4 * 32 + 9) * 3 + 2]).toBe(planePixel(source, 1, 1, 4, 9, 2));
    expect([...test.labels]).toEqual([9, 0, 4]);
  });

  it('rejects an archive with another checksum', async () => {
    const { root, archive, sha256 } = await writeArchive(CIFAR10_FILES);
    const error = await expectDataError(cifar10({ root }).load('train'));
    expect(error.message).toContain(`${archive}: SHA-256 is ${sha256}, expected ${CIFAR10.archiveSha256}`);
  });

  it('names a batch missing from the archive', async () => {
    const { root, archive, sha256 } = await writeArchive(CIFAR10_FILES, ['data_batch_5.bin']);
    vi.stubEnv('CSI_CIFAR10_SHA256', sha256);
    const error = await expectDataError(cifar10({ root }).load('train'));
    expect(error.message).toContain(`${archive}: the archive has no member cifar-10-batches-bin/data_batch_5.bin`);
    expect(error.message).toContain('with `download: true` the next run downloads it again');
  });

  it('names the member of a truncated batch', async () => {
    const truncated = { ...CIFAR10_FILES, 'test_batch.bin': (CIFAR10_FILES['test_batch.bin'] as Uint8Array).subarray(0, 3073 + 7) };
    const { root, archive, sha256 } = await writeArchive(truncated);
    vi.stubEnv('CSI_CIFAR10_SHA256', sha256);
    const error = await expectDataError(cifar10({ root }).load('test'));
    expect(error.message).toContain(`${archive}:cifar-10-batches-bin/test_batch.bin: 3080 bytes`);
  });
});

describe('cifar100', () => {
  it('labels by super-class by default and by class on request', async () => {
    const root = await writeFolder(CIFAR100_FILES);
    const options = cifar100Dataset.optionsSchema as { properties: { labels: { default: string } } };
    expect(options.properties.labels.default).toBe('coarse');

    const coarse = cifar100Dataset.create({ root, download: false, labels: 'coarse' }, context());
    expect(coarse.classNames).toHaveLength(20);
    expect(coarse.classNames[19]).toBe('vehicles_2');
    const coarseTrain = await coarse.load('train');
    expect([...coarseTrain.labels]).toEqual([4, 19, 7]);

    const fine = cifar100Dataset.create({ root, download: false, labels: 'fine' }, context());
    expect(fine.classNames).toHaveLength(100);
    expect(fine.classNames[99]).toBe('worm');
    const fineTrain = await fine.load('train');
    expect([...fineTrain.labels]).toEqual([0, 99, 55]);
    const source = CIFAR100_FILES['train.bin'] as Uint8Array;
    expect(fineTrain.images[2 * 3072 + (31 * 32 + 0) * 3 + 1]).toBe(planePixel(source, 2, 2, 31, 0, 1));
    expect((await fine.load('test')).count).toBe(1);
  });

  it('rejects a fine label out of range', async () => {
    const root = await writeFolder({ ...CIFAR100_FILES, 'test.bin': batch([[1, 1], [2, 120]], 10) });
    const dataset = cifar100Dataset.create({ root, download: false, labels: 'coarse' }, context());
    const error = await expectDataError(dataset.load('test'));
    expect(error.message).toContain('label byte 1 of record 1 (file offset 3075) is 120, expected 0 to 99');
  });
});

describe('archive checksum override', () => {
  it('accepts 64 hex digits and rejects anything else', () => {
    const value = 'AB'.repeat(32);
    expect(resolveArchiveChecksum(CIFAR10, { CSI_CIFAR10_SHA256: value })).toBe('ab'.repeat(32));
    expect(resolveArchiveChecksum(CIFAR10, {})).toBe(CIFAR10.archiveSha256);
    expect(() => resolveArchiveChecksum(CIFAR10, { CSI_CIFAR10_SHA256: 'abc' })).toThrow(
      /CSI_CIFAR10_SHA256: "abc" is not a SHA-256 value; write the 64 hex digits of the SHA-256 of cifar-10-binary.tar.gz/,
    );
  });
});

describe.skipIf(tar === undefined)('fetchCifarDataset over HTTP', () => {
  let server: Server;
  let baseUrl: string;
  let archiveBytes: Buffer;
  let sha256: string;
  const requests: string[] = [];

  beforeAll(async () => {
    const written = await writeArchive(CIFAR10_FILES);
    archiveBytes = await readFile(written.archive);
    sha256 = written.sha256;
    server = createServer((request, response) => {
      const url = request.url ?? '';
      requests.push(url);
      const [, mode = '', name = ''] = url.split('/');
      if (name !== CIFAR10.archiveName) {
        response.writeHead(404).end();
      } else if (mode === 'good') {
        response.writeHead(200, { 'content-length': archiveBytes.length }).end(archiveBytes);
      } else if (mode === 'truncated') {
        // Promise the whole length, send half, then drop the connection.
        response.writeHead(200, { 'content-length': archiveBytes.length });
        response.write(archiveBytes.subarray(0, archiveBytes.length >> 1), () => response.destroy());
      } else if (mode === 'wrong') {
        const other = Buffer.from(noise(4096, 42));
        response.writeHead(200, { 'content-length': other.length }).end(other);
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function env(modes: string[]): NodeJS.ProcessEnv {
    return { CSI_CIFAR10_URL: modes.map((mode) => `${baseUrl}/${mode}/`).join(','), CSI_CIFAR10_SHA256: sha256 };
  }

  it('downloads, verifies and then finds the archive in the cache', async () => {
    const cacheDir = join(work, `cache-${++counter}`);
    requests.length = 0;
    const fetched = await fetchCifarDataset('cifar10', { logger, cacheDir, env: env(['missing', 'good']) });
    expect(fetched).toEqual({ dir: join(cacheDir, 'cifar10'), source: 'http' });
    expect(requests).toEqual([`/missing/${CIFAR10.archiveName}`, `/good/${CIFAR10.archiveName}`]);
    expect(await readdir(join(cacheDir, 'cifar10'))).toEqual([CIFAR10.archiveName]);

    const again = await fetchCifarDataset('cifar10', { logger, cacheDir, env: env(['good']) });
    expect(again.source).toBe('cache');
    expect(requests).toHaveLength(2);
  });

  it('leaves no file after a truncated download', async () => {
    const cacheDir = join(work, `cache-${++counter}`);
    const error = await expectDataError(fetchCifarDataset('cifar10', { logger, cacheDir, env: env(['truncated']) }));
    expect(error.message).toContain('CIFAR-10 could not be fetched');
    expect(error.message).toContain(`${baseUrl}/truncated/${CIFAR10.archiveName}`);
    expect(error.message).toMatch(/truncated|failed after/);
    expect(await readdir(join(cacheDir, 'cifar10'))).toEqual([]);
  });

  it('rejects a download with another checksum', async () => {
    const cacheDir = join(work, `cache-${++counter}`);
    const error = await expectDataError(fetchCifarDataset('cifar10', { logger, cacheDir, env: env(['wrong']) }));
    expect(error.message).toContain('failed verification: SHA-256 is');
    expect(error.message).toContain(`expected ${sha256}`);
    expect(await readdir(join(cacheDir, 'cifar10'))).toEqual([]);
  });

  it('lets the component download and read the archive', async () => {
    const cacheDir = join(work, `cache-${++counter}`);
    vi.stubEnv('CSI_CIFAR10_URL', `${baseUrl}/good/`);
    vi.stubEnv('CSI_CIFAR10_SHA256', sha256);
    vi.stubEnv('CSI_DATA_DIR', '');
    const dataset = cifar10Dataset.create({ root: null, download: true }, context(cacheDir));
    const test = await dataset.load('test');
    expect([...test.labels]).toEqual([9, 0, 4]);
    expect(await readdir(join(cacheDir, 'cifar10'))).toEqual([CIFAR10.archiveName]);
  });

  it('rejects an unknown data set name', async () => {
    const error = await fetchCifarDataset('cifar-10', { logger, env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('unknown dataset "cifar-10". Known: cifar10, cifar100. Did you mean "cifar10"?');
  });
});

describe('fetchBuiltinDataset', () => {
  it('lists every downloadable data set for an unknown name', async () => {
    const error = await fetchBuiltinDataset('cifar1O', { logger, env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      'unknown dataset "cifar1O". Known: cifar10, cifar100, fashion-mnist, mnist. Did you mean "cifar10"?',
    );
  });

  it('sends a CIFAR name to the CIFAR acquisition', async () => {
    const root = await writeFolder(CIFAR10_FILES);
    const fetched = await fetchBuiltinDataset('cifar10', { logger, root, env: {}, cacheDir: join(work, 'no-cache') });
    expect(fetched).toEqual({ dir: root, source: 'root' });
  });
});

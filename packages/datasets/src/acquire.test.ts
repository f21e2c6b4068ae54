import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DataError, UsageError, type Logger } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDataset, fetchDataset } from './acquire.js';
import { FASHION_MNIST, IDX_FILE_NAMES } from './catalog.js';
import { findExecutable } from './download-apt.js';
import { encodeIdx } from './idx.js';
import { locateDataset } from './locate.js';

// Pseudo-random pixels, so that gzip cannot shrink a file to a few bytes and truncation bites.
function noise(length: number, seed: number): Uint8Array {
  const values = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[i] = state >>> 24;
  }
  return values;
}

const CONTENT: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte': encodeIdx('images', [4, 28, 28], noise(4 * 784, 1)),
  'train-labels-idx1-ubyte': encodeIdx('labels', [4], new Uint8Array([0, 1, 2, 3])),
  't10k-images-idx3-ubyte': encodeIdx('images', [2, 28, 28], noise(2 * 784, 2)),
  't10k-labels-idx1-ubyte': encodeIdx('labels', [2], new Uint8Array([3, 0])),
};
const SERVED = Object.fromEntries(IDX_FILE_NAMES.map((file) => [file, gzipSync(CONTENT[file] as Uint8Array)]));
const OVERRIDE = IDX_FILE_NAMES.map(
  (file) => `${file}=${createHash('sha256').update(CONTENT[file] as Uint8Array).digest('hex')}`,
).join(',');

let server: Server;
let baseUrl: string;
let work: string;
let emptyPath: string;
const requests: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csi-acquire-'));
  emptyPath = join(work, 'empty-bin');
  await mkdir(emptyPath);
  server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    const [, mode = '', name = ''] = url.split('/');
    const body = SERVED[name.replace(/\.gz$/, '')];
    if (!body || mode === 'missing') {
      response.writeHead(404).end();
      return;
    }
    if (mode === 'good') {
      response.writeHead(200, { 'content-length': body.length }).end(body);
    } else if (mode === 'truncated') {
      // Promise the whole length, send half, then drop the connection.
      response.writeHead(200, { 'content-length': body.length });
      response.write(body.subarray(0, body.length >> 1), () => response.destroy());
    } else if (mode === 'short') {
      // Chunked encoding ends cleanly after half the bytes, so only the gzip check can notice.
      response.writeHead(200).end(body.subarray(0, body.length >> 1));
    } else if (mode === 'wrong') {
      const other = gzipSync(encodeIdx('labels', [3], new Uint8Array([9, 9, 9])));
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
  await rm(work, { recursive: true, force: true });
});

interface LogRecord {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function createRecordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const record = (level: string) => (fields: Record<string, unknown>, message: string) =>
    records.push({ level, fields, message });
  const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  return { logger: logger as unknown as Logger, records };
}

function httpEnv(mode: string, path = emptyPath): NodeJS.ProcessEnv {
  return { PATH: path, CSI_FASHION_MNIST_URL: `${baseUrl}/${mode}/`, CSI_FASHION_MNIST_SHA256: OVERRIDE };
}

async function newCacheDir(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

const GZ_NAMES = IDX_FILE_NAMES.map((file) => `${file}.gz`).sort();

const dpkgDeb = await findExecutable('dpkg-deb', process.env.PATH);

// A system copy of the package would fail the override checksums and only slow the tests down.
const NO_SYSTEM = { ...FASHION_MNIST, systemDirs: [] };

describe('fetchDataset over HTTP', () => {
  it('downloads, verifies and renames each file', async () => {
    const cacheDir = await newCacheDir('whole');
    const { logger, records } = createRecordingLogger();
    const progress: [number, number | undefined, string][] = [];
    const result = await fetchDataset('fashion-mnist', {
      logger,
      env: httpEnv('good'),
      cacheDir,
      onProgress: (bytes, total, file) => progress.push([bytes, total, file]),
    });

    const dir = join(cacheDir, 'fashion-mnist');
    expect(result).toEqual({ dir, source: 'http' });
    expect(await listFiles(dir)).toEqual(GZ_NAMES);
    for (const file of IDX_FILE_NAMES) {
      expect(new Uint8Array(await readFile(join(dir, `${file}.gz`)))).toEqual(new Uint8Array(SERVED[file] as Buffer));
      const last = progress.filter(([, , name]) => name === `${file}.gz`).at(-1);
      expect(last).toEqual([SERVED[file]?.length, SERVED[file]?.length, `${file}.gz`]);
    }
    const infos = records.filter((record) => record.level === 'info').map((record) => record.message);
    expect(infos).toEqual(['fetching data set', 'fetched data set']);

    const before = requests.length;
    const again = await fetchDataset('fashion-mnist', { logger, env: httpEnv('good'), cacheDir });
    expect(again).toEqual({ dir, source: 'cache' });
    expect(requests.length).toBe(before);
  });

  it('leaves nothing after a truncated download', async () => {
    const cacheDir = await newCacheDir('truncated');
    const { logger } = createRecordingLogger();
    const error = await fetchDataset('fashion-mnist', { logger, env: httpEnv('truncated'), cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    const firstFile = SERVED['train-images-idx3-ubyte'] as Buffer;
    expect(message).toContain(`download of ${baseUrl}/truncated/train-images-idx3-ubyte.gz failed after`);
    expect(message).toContain(`of ${firstFile.length} bytes`);
    expect(message).toContain('set CSI_FASHION_MNIST_URL to a mirror');
    expect(await listFiles(join(cacheDir, 'fashion-mnist'))).toEqual([]);
    const { located } = await locateDataset(NO_SYSTEM, { cacheDir, env: httpEnv('truncated') });
    expect(located).toBeUndefined();
  });

  it('rejects a short body without Content-Length', async () => {
    const cacheDir = await newCacheDir('short');
    const { logger } = createRecordingLogger();
    const error = await fetchDataset('fashion-mnist', { logger, env: httpEnv('short'), cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain('failed verification');
    expect((error as DataError).message).toContain('corrupt gzip stream');
    expect(await listFiles(join(cacheDir, 'fashion-mnist'))).toEqual([]);
  });

  it('rejects a file with the wrong checksum', async () => {
    const cacheDir = await newCacheDir('wrong');
    const { logger } = createRecordingLogger();
    const error = await fetchDataset('fashion-mnist', { logger, env: httpEnv('wrong'), cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    const expected = createHash('sha256').update(CONTENT['train-images-idx3-ubyte'] as Uint8Array).digest('hex');
    expect(message).toContain(`download of ${baseUrl}/wrong/train-images-idx3-ubyte.gz failed verification`);
    expect(message).toContain(`expected ${expected}`);
    expect(await listFiles(join(cacheDir, 'fashion-mnist'))).toEqual([]);
  });

  it('tries the next mirror after a failure', async () => {
    const cacheDir = await newCacheDir('mirrors');
    const { logger, records } = createRecordingLogger();
    const env = { ...httpEnv('good'), CSI_FASHION_MNIST_URL: `${baseUrl}/missing,${baseUrl}/good/` };
    const result = await fetchDataset('fashion-mnist', { logger, env, cacheDir });
    expect(result.source).toBe('http');
    const warnings = records.filter((record) => record.level === 'warn');
    expect(warnings).toHaveLength(4);
    expect(warnings[0]?.fields.problem).toContain(`${baseUrl}/missing/train-images-idx3-ubyte.gz failed: HTTP 404`);
  });

  it('keeps files an earlier fetch completed', async () => {
    const cacheDir = await newCacheDir('resume');
    const dir = join(cacheDir, 'fashion-mnist');
    await mkdir(dir);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), SERVED['train-images-idx3-ubyte'] as Buffer);
    const { logger } = createRecordingLogger();
    const before = requests.length;
    await fetchDataset('fashion-mnist', { logger, env: httpEnv('good'), cacheDir });
    const requested = requests.slice(before).map((url) => url.split('/')[2]);
    expect(requested).toEqual(['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
  });

  it('names an unusable cache folder', async () => {
    const notAFolder = join(work, 'plain-file');
    await writeFile(notAFolder, 'x');
    const { logger } = createRecordingLogger();
    const error = await fetchDataset('fashion-mnist', { logger, env: httpEnv('good'), cacheDir: notAFolder }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    expect(message).toContain(`cannot create the cache folder ${join(notAFolder, 'fashion-mnist')}`);
    expect(message).toContain('Set XDG_CACHE_HOME to a writable folder');
  });

  it('rejects an unknown data set name', async () => {
    const { logger } = createRecordingLogger();
    const error = await fetchDataset('fashion-mnis', { logger, env: {}, cacheDir: work }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      'unknown dataset "fashion-mnis". Known: fashion-mnist, mnist. Did you mean "fashion-mnist"?',
    );
  });
});

describe('acquireDataset without download', () => {
  it('lists the folders searched', async () => {
    const cacheDir = await newCacheDir('offline');
    const { logger } = createRecordingLogger();
    const root = join(work, 'offline-root');
    const error = await acquireDataset(NO_SYSTEM, {
      logger,
      root,
      download: false,
      cacheDir,
      env: { CSI_FASHION_MNIST_SHA256: OVERRIDE },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    expect(message).toContain('Fashion-MNIST data files not found');
    expect(message).toContain(`${root} (root): no such folder`);
    expect(message).toContain(`${join(cacheDir, 'fashion-mnist')} (cache): no such folder`);
    expect(message).toContain('Run `csi data fetch fashion-mnist`');
    expect(requests.some((url) => url.includes('offline'))).toBe(false);
  });
});

describe('acquireDataset through apt-get', () => {
  it('falls through to HTTP without apt-get on the PATH', async () => {
    const cacheDir = await newCacheDir('no-apt');
    const { logger } = createRecordingLogger();
    const error = await acquireDataset(NO_SYSTEM, { logger, env: httpEnv('missing'), cacheDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    expect(message).toContain('apt-get download: apt-get or dpkg-deb is not on the PATH');
    expect(message).toContain(`${baseUrl}/missing/train-images-idx3-ubyte.gz failed: HTTP 404`);

    const result = await acquireDataset(NO_SYSTEM, { logger, env: httpEnv('good'), cacheDir });
    expect(result.source).toBe('http');
  });

  it('falls through to HTTP when apt-get fails', async () => {
    const bin = join(work, 'failing-bin');
    await mkdir(bin);
    await writeFile(join(bin, 'apt-get'), '#!/bin/sh\necho "E: Unable to locate package $2" >&2\nexit 100\n');
    await writeFile(join(bin, 'dpkg-deb'), '#!/bin/sh\nexit 2\n');
    await chmod(join(bin, 'apt-get'), 0o755);
    await chmod(join(bin, 'dpkg-deb'), 0o755);
    const cacheDir = await newCacheDir('failing-apt');
    const { logger, records } = createRecordingLogger();
    const result = await acquireDataset(NO_SYSTEM, { logger, env: httpEnv('good', bin), cacheDir });
    expect(result.source).toBe('http');
    const warning = records.find((record) => record.message === 'apt-get download failed; trying HTTP');
    expect(warning?.fields.problem).toContain('apt-get download dataset-fashion-mnist failed');
    expect(warning?.fields.problem).toContain('E: Unable to locate package dataset-fashion-mnist');
    expect((await readdir(cacheDir)).filter((entry) => entry.startsWith('.'))).toEqual([]);
  });

  it.runIf(dpkgDeb !== undefined)('extracts and verifies the package', async () => {
    const execFileAsync = promisify(execFile);
    const packageRoot = join(work, 'package');
    const dataDir = join(packageRoot, 'usr', 'share', 'datasets', 'fashion-mnist');
    await mkdir(join(packageRoot, 'DEBIAN'), { recursive: true });
    await mkdir(dataDir, { recursive: true });
    await writeFile(
      join(packageRoot, 'DEBIAN', 'control'),
      'Package: dataset-fashion-mnist\nVersion: 1\nArchitecture: all\nMaintainer: Test <test@example.org>\n' +
        'Description: crafted test package\n',
    );
    for (const file of IDX_FILE_NAMES) {
      // Compressed differently from the served files: only the IDX content must match.
      await writeFile(join(dataDir, `${file}.gz`), gzipSync(CONTENT[file] as Uint8Array, { level: 1 }));
    }
    const debPath = join(work, 'dataset-fashion-mnist_1_all.deb');
    await execFileAsync(dpkgDeb as string, ['--build', '--root-owner-group', '-Zgzip', packageRoot, debPath]);

    const bin = join(work, 'apt-bin');
    await mkdir(bin);
    await writeFile(join(bin, 'apt-get'), '#!/bin/sh\n[ "$1" = download ] && cp "$CRAFTED_DEB" .\n');
    await chmod(join(bin, 'apt-get'), 0o755);
    const cacheDir = await newCacheDir('apt');
    const { logger } = createRecordingLogger();
    const before = requests.length;
    const env = { ...httpEnv('good', `${bin}:${dirname(dpkgDeb as string)}:/usr/bin:/bin`), CRAFTED_DEB: debPath };
    const result = await acquireDataset(NO_SYSTEM, { logger, env, cacheDir });

    const dir = join(cacheDir, 'fashion-mnist');
    expect(result.source).toBe('apt');
    expect(result.dir).toBe(dir);
    expect(await listFiles(dir)).toEqual(GZ_NAMES);
    expect(requests.length).toBe(before);
    expect((await readdir(cacheDir)).filter((entry) => entry.startsWith('.'))).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from './download-apt.js';
import { readTarFiles, TarStreamReader } from './tar-reader.js';

const execFileAsync = promisify(execFile);

// The archives are written by GNU tar, so the reader is checked against an independent writer.
const tar = await findExecutable('tar', process.env.PATH);

const LONG_FOLDER = `${'deep-folder-name-'.repeat(5)}end`;
const FILES: Record<string, Buffer> = {
  'top/a.bin': Buffer.from([1, 2, 3]),
  'top/empty.bin': Buffer.alloc(0),
  // Exactly one block and one byte over a block, to test the padding arithmetic.
  'top/block.bin': Buffer.alloc(512, 7),
  'top/block-plus.bin': Buffer.alloc(513, 9),
  [`top/${LONG_FOLDER}/long-name-file.bin`]: Buffer.from('long name'),
};

let work: string;

async function makeArchive(format: 'gnu' | 'pax' | 'ustar', name: string): Promise<string> {
  const archive = join(work, name);
  await execFileAsync(tar as string, [`--format=${format}`, '-czf', archive, '-C', join(work, 'tree'), 'top']);
  return archive;
}

async function expectDataError(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csi-tar-'));
  for (const [name, content] of Object.entries(FILES)) {
    const path = join(work, 'tree', name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(tar === undefined)('readTarFiles on archives written by GNU tar', () => {
  it.each(['gnu', 'pax', 'ustar'] as const)('reads every file of the %s format', async (format) => {
    const archive = await makeArchive(format, `${format}.tar.gz`);
    const files = await readTarFiles(archive, () => true);
    expect([...files.keys()].sort()).toEqual(Object.keys(FILES).sort());
    for (const [name, content] of Object.entries(FILES)) {
      expect(files.get(name)?.equals(content), name).toBe(true);
    }
  });

  it('keeps only the selected files', async () => {
    const archive = await makeArchive('gnu', 'selected.tar.gz');
    const files = await readTarFiles(archive, (name) => name.endsWith('block-plus.bin'));
    expect([...files.keys()]).toEqual(['top/block-plus.bin']);
    expect(files.get('top/block-plus.bin')).toHaveLength(513);
  });

  it('reads an uncompressed archive', async () => {
    const archive = await makeArchive('gnu', 'plain-source.tar.gz');
    const plain = join(work, 'plain.tar');
    await writeFile(plain, gunzipSync(await readFile(archive)));
    const files = await readTarFiles(plain, (name) => name === 'top/a.bin');
    expect([...(files.get('top/a.bin') ?? [])]).toEqual([1, 2, 3]);
  });

  it('gives the same files for any chunk size', async () => {
    const bytes = gunzipSync(await readFile(await makeArchive('gnu', 'chunks.tar.gz')));
    for (const chunkSize of [1, 7, 512, 1000, bytes.length]) {
      const files = new Map<string, Buffer>();
      const reader = new TarStreamReader('chunks.tar', () => true, (name, content) => files.set(name, content));
      for (let start = 0; start < bytes.length; start += chunkSize) reader.push(bytes.subarray(start, start + chunkSize));
      reader.end();
      expect([...files.keys()].sort(), `chunk size ${chunkSize}`).toEqual(Object.keys(FILES).sort());
      expect(files.get('top/block-plus.bin')?.equals(FILES['top/block-plus.bin'] as Buffer)).toBe(true);
    }
  });

  it('rejects a header with a wrong checksum', async () => {
    const bytes = gunzipSync(await readFile(await makeArchive('ustar', 'checksum-source.tar.gz')));
    // The first member is the folder `top/`; its header is at byte 0. Change one byte of its name.
    bytes[1] = (bytes[1] as number) ^ 0x01;
    const broken = join(work, 'bad-checksum.tar.gz');
    await writeFile(broken, gzipSync(bytes));
    const error = await expectDataError(readTarFiles(broken, () => true));
    expect(error.message).toContain(broken);
    expect(error.message).toContain('the tar header at byte 0 has checksum');
    expect(error.message).toContain('is not a tar archive, or its first header is corrupt');
  });

  it('rejects an archive cut inside a member', async () => {
    const bytes = gunzipSync(await readFile(await makeArchive('ustar', 'cut-source.tar.gz')));
    const marker = bytes.indexOf('top/block-plus.bin');
    // The content starts one block after the header; keep 100 of its 513 bytes.
    const cut = join(work, 'cut.tar.gz');
    await writeFile(cut, gzipSync(bytes.subarray(0, marker + 512 + 100)));
    const error = await expectDataError(readTarFiles(cut, () => true));
    expect(error.message).toContain('the archive ends inside "top/block-plus.bin" after 100 of its 513 bytes');
    expect(error.message).toContain('truncated');
  });

  it('rejects a truncated gzip stream', async () => {
    const compressed = await readFile(await makeArchive('gnu', 'gzip-source.tar.gz'));
    const cut = join(work, 'cut-gzip.tar.gz');
    await writeFile(cut, compressed.subarray(0, compressed.length - 20));
    const error = await expectDataError(readTarFiles(cut, () => true));
    expect(error.message).toContain(`${cut}: corrupt or truncated gzip stream`);
  });
});

describe('readTarFiles errors', () => {
  it('rejects bytes that are not a tar archive', async () => {
    const path = join(work, 'text.tar');
    await writeFile(path, Buffer.alloc(1024, 'a'));
    const error = await expectDataError(readTarFiles(path, () => true));
    expect(error.message).toContain('is not a tar archive');
  });

  it('rejects a file shorter than one header', async () => {
    const path = join(work, 'short.tar');
    await writeFile(path, Buffer.alloc(100, 0));
    const error = await expectDataError(readTarFiles(path, () => true));
    expect(error.message).toContain('ends inside a 512-byte block at byte 100');
  });

  it('rejects an archive of zero blocks only', async () => {
    const path = join(work, 'zeros.tar');
    await writeFile(path, Buffer.alloc(1024, 0));
    const error = await expectDataError(readTarFiles(path, () => true));
    expect(error.message).toContain('the archive holds no members');
  });

  it('names a missing file', async () => {
    const path = join(work, 'absent.tar.gz');
    const error = await expectDataError(readTarFiles(path, () => true));
    expect(error.message).toContain(`${path}: cannot open the file`);
  });
});

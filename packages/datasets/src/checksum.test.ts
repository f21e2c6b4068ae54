import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkContentSha256, computeContentSha256 } from './checksum.js';

// SHA-256 of the three bytes "abc", the test vector of FIPS 180-2, appendix B.1.
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csi-checksum-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('computeContentSha256', () => {
  it('hashes a raw file', async () => {
    const path = join(dir, 'abc');
    await writeFile(path, 'abc');
    expect(await computeContentSha256(path)).toBe(ABC_SHA256);
  });

  it('hashes the gunzipped content of a gzip file', async () => {
    const path = join(dir, 'abc.gz');
    await writeFile(path, gzipSync(Buffer.from('abc'), { level: 9 }));
    expect(await computeContentSha256(path)).toBe(ABC_SHA256);
  });

  it('gives one value for differently compressed copies', async () => {
    const content = Buffer.alloc(5000, 7);
    const fast = join(dir, 'fast.gz');
    const best = join(dir, 'best.gz');
    await writeFile(fast, gzipSync(content, { level: 1 }));
    await writeFile(best, gzipSync(content, { level: 9 }));
    expect(await computeContentSha256(fast)).toBe(await computeContentSha256(best));
  });

  it('rejects a corrupt gzip stream', async () => {
    const path = join(dir, 'corrupt.gz');
    const compressed = gzipSync(Buffer.alloc(5000, 3));
    await writeFile(path, compressed.subarray(0, 20));
    const error = await computeContentSha256(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain(`${path}: corrupt gzip stream`);
  });
});

describe('checkContentSha256', () => {
  it('accepts the expected value in any case', async () => {
    const path = join(dir, 'abc-upper');
    await writeFile(path, 'abc');
    expect(await checkContentSha256(path, ABC_SHA256.toUpperCase())).toEqual({ ok: true });
  });

  it('names file, found and expected on mismatch', async () => {
    const path = join(dir, 'abd');
    await writeFile(path, 'abd');
    const check = await checkContentSha256(path, ABC_SHA256);
    expect(check.ok).toBe(false);
    const { problem } = check as { problem: string };
    expect(problem).toContain(path);
    expect(problem).toContain(`expected ${ABC_SHA256}`);
    expect(problem).toMatch(/SHA-256 of the IDX content is [0-9a-f]{64}/);
  });

  it('reports a missing file as a problem', async () => {
    const check = await checkContentSha256(join(dir, 'absent'), ABC_SHA256);
    expect(check.ok).toBe(false);
    expect((check as { problem: string }).problem).toContain('cannot open the file');
  });
});

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from '@csi/core';

/**
 * Computes the SHA-256 of a file's IDX content as lowercase hex: of the gunzipped bytes when
 * the file starts with the gzip header, of the file itself otherwise. Streams the file, so a
 * large file is never held in memory. A corrupt gzip stream is a DataError.
 */
export async function computeContentSha256(path: string): Promise<string> {
  const compressed = await startsWithGzipHeader(path);
  const hash = createHash('sha256');
  try {
    if (compressed) {
      await pipeline(createReadStream(path), createGunzip(), hash);
    } else {
      await pipeline(createReadStream(path), hash);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const failure = compressed ? 'corrupt gzip stream' : 'cannot read the file';
    throw new DataError(`${path}: ${failure} (${reason})`, { cause: error });
  }
  return hash.digest('hex');
}

/** The outcome of checking one file against its known checksum. */
export type ChecksumCheck = { ok: true } | { ok: false; problem: string };

/**
 * Checks that the IDX content of `path` has the SHA-256 `expected`. A missing, unreadable or
 * corrupt file gives a result with the problem rather than an error.
 */
export async function checkContentSha256(path: string, expected: string): Promise<ChecksumCheck> {
  let found: string;
  try {
    found = await computeContentSha256(path);
  } catch (error) {
    if (error instanceof DataError) return { ok: false, problem: error.message };
    throw error;
  }
  if (found === expected.toLowerCase()) return { ok: true };
  return {
    ok: false,
    problem: `${path}: SHA-256 of the IDX content is ${found}, expected ${expected.toLowerCase()}`,
  };
}

async function startsWithGzipHeader(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new DataError(`${path}: cannot open the file (${(error as Error).message})`, { cause: error });
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

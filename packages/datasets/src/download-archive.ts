import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DataError } from '@csi/core';
import type { DownloadProgress } from './download-http.js';

/**
 * Computes the SHA-256 of a file's bytes as lowercase hex, streaming it. Unlike
 * `computeContentSha256`, a gzip file is hashed as it is, which is what published checksums of
 * `.tar.gz` archives cover. A missing or unreadable file is a DataError.
 */
export async function computeFileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(path), hash);
  } catch (error) {
    throw new DataError(`${path}: cannot read the file (${(error as Error).message})`, { cause: error });
  }
  return hash.digest('hex');
}

export interface ArchiveDownload {
  url: string;
  /** Final path; the file appears there only once it is whole and its checksum matches. */
  targetPath: string;
  /** SHA-256 of the file's bytes as served (lowercase or uppercase hex). */
  sha256: string;
  onProgress?: DownloadProgress;
}

/**
 * Downloads `url` to a temporary name beside `targetPath`, hashing the bytes as they arrive,
 * checks the length against Content-Length and the SHA-256 of the whole file against `sha256`,
 * and only then renames it to `targetPath`. On any failure the temporary file is removed and a
 * DataError names the address and the problem.
 */
// NOTE: the request and streaming part mirrors `downloadVerifiedFile`, which verifies the
// gunzipped content instead of the file. Keep the two in step until one takes the hash kind as an option.
export async function downloadVerifiedArchive(request: ArchiveDownload): Promise<void> {
  const { url, targetPath } = request;
  await mkdir(dirname(targetPath), { recursive: true });
  const temporaryPath = join(
    dirname(targetPath),
    `.${basename(targetPath)}.${process.pid}-${randomBytes(4).toString('hex')}.part`,
  );
  try {
    const found = await downloadAndHash(request, temporaryPath);
    const expected = request.sha256.toLowerCase();
    if (found !== expected) {
      throw new DataError(`download of ${url} failed verification: SHA-256 is ${found}, expected ${expected}`);
    }
    await rename(temporaryPath, targetPath);
  } finally {
    await rm(temporaryPath, { force: true });
  }
}

async function downloadAndHash(request: ArchiveDownload, temporaryPath: string): Promise<string> {
  const { url } = request;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DataError(`download of ${url} failed: ${describeFetchError(error)}`, { cause: error });
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DataError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`.trimEnd());
  }

  const header = response.headers.get('content-length');
  const totalBytes = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  const file = basename(request.targetPath);
  const hash = createHash('sha256');
  let bytesSoFar = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesSoFar += chunk.length;
      hash.update(chunk);
      request.onProgress?.(bytesSoFar, totalBytes, file);
      callback(null, chunk);
    },
  });
  request.onProgress?.(0, totalBytes, file);

  try {
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    await pipeline(body, counter, createWriteStream(temporaryPath));
  } catch (error) {
    const received = totalBytes === undefined ? `${bytesSoFar} bytes` : `${bytesSoFar} of ${totalBytes} bytes`;
    throw new DataError(`download of ${url} failed after ${received}: ${describeFetchError(error)}`, {
      cause: error,
    });
  }
  if (totalBytes !== undefined && bytesSoFar !== totalBytes) {
    throw new DataError(`download of ${url} is truncated: received ${bytesSoFar} of ${totalBytes} bytes`);
  }
  return hash.digest('hex');
}

// undici reports network failures as "fetch failed" or "terminated" with the system error as cause.
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (cause) return `${error.message} (${code ? `${code}: ` : ''}${cause.message})`;
  return error.message;
}

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DataError } from '@csi/core';
import { checkContentSha256 } from './checksum.js';

/**
 * Receives download progress: bytes received so far, the total from the Content-Length header
 * (undefined when the server sends none) and the name of the file being downloaded.
 */
export type DownloadProgress = (bytesSoFar: number, totalBytes: number | undefined, file: string) => void;

export interface VerifiedDownload {
  url: string;
  /** Final path; the file appears there only once it is whole and its checksum matches. */
  targetPath: string;
  /** SHA-256 of the IDX content after gunzip, as `checkContentSha256` computes it. */
  sha256: string;
  onProgress?: DownloadProgress;
}

/**
 * Downloads `url` to a temporary name beside `targetPath`, checks the length against
 * Content-Length and the content against `sha256`, and only then renames it to `targetPath`.
 * On any failure the temporary file is removed and a DataError names the address and the
 * problem, so a partial download never appears under the final name.
 */
export async function downloadVerifiedFile(request: VerifiedDownload): Promise<void> {
  await downloadAndCheck(request, async (path) => {
    const check = await checkContentSha256(path, request.sha256);
    return check.ok ? undefined : check.problem;
  });
}

/** Checks a downloaded file and returns the problem, or undefined when the file is good. */
export type DownloadCheck = (path: string) => Promise<string | undefined>;

/**
 * Downloads `request.url` to a temporary name beside `request.targetPath`, checks the length
 * against Content-Length and runs `check` on the whole file, and only then renames it to the
 * target path. On any failure the temporary file is removed and a DataError names the address.
 */
export async function downloadAndCheck(
  request: Omit<VerifiedDownload, 'sha256'>,
  check: DownloadCheck,
): Promise<void> {
  const { url, targetPath } = request;
  await mkdir(dirname(targetPath), { recursive: true });
  const temporaryPath = join(
    dirname(targetPath),
    `.${basename(targetPath)}.${process.pid}-${randomBytes(4).toString('hex')}.part`,
  );
  try {
    await downloadToFile(request, temporaryPath);
    const problem = await check(temporaryPath);
    if (problem !== undefined) throw new DataError(`download of ${url} failed verification: ${problem}`);
    await rename(temporaryPath, targetPath);
  } finally {
    await rm(temporaryPath, { force: true });
  }
}

async function downloadToFile(request: Omit<VerifiedDownload, 'sha256'>, temporaryPath: string): Promise<void> {
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
  let bytesSoFar = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesSoFar += chunk.length;
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
}

// undici reports network failures as "fetch failed" or "terminated" with the system error as cause.
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (cause) return `${error.message} (${code ? `${code}: ` : ''}${cause.message})`;
  return error.message;
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { DataError } from '@csi/core';
import { downloadAndCheck, type DownloadProgress } from './download-http.js';

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
 * Downloads `url` to a temporary name beside `targetPath`, checks the length against
 * Content-Length and the SHA-256 of the whole file against `sha256`, and only then renames it
 * to `targetPath`. On any failure the temporary file is removed and a DataError names the
 * address and the problem.
 */
export async function downloadVerifiedArchive(request: ArchiveDownload): Promise<void> {
  const expected = request.sha256.toLowerCase();
  await downloadAndCheck(request, async (path) => {
    const found = await computeFileSha256(path);
    return found === expected ? undefined : `SHA-256 is ${found}, expected ${expected}`;
  });
}

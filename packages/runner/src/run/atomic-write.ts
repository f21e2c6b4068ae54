import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

// `.<target name>.<8 hex digits>.partial`, the name of the temporary file of `writeFileAtomic`.
const PARTIAL_FILE = /^\..+\.[0-9a-f]{8}\.partial$/;

/**
 * Writes `chunks` to `path` through a temporary file in the same folder that is flushed to disk
 * and then renamed over `path`. A rename within one file system is atomic, so a process killed
 * at any moment leaves either the previous file or the new one, never a half-written file. A
 * kill before the rename leaves the temporary file behind; `isPartialFile` recognises it.
 */
export function writeFileAtomic(path: string, chunks: string | Uint8Array | readonly Uint8Array[]): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
  let parts: readonly Uint8Array[];
  if (typeof chunks === 'string') parts = [Buffer.from(chunks)];
  else if (chunks instanceof Uint8Array) parts = [chunks];
  else parts = chunks;
  const descriptor = openSync(temporary, 'w');
  try {
    for (const part of parts) {
      writeAll(descriptor, part);
    }
    fsyncSync(descriptor);
  } catch (error) {
    closeSync(descriptor);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(descriptor);
  renameSync(temporary, path);
  syncFolder(dirname(path));
}

/** True for the name (not the path) of a temporary file that `writeFileAtomic` left behind. */
export function isPartialFile(name: string): boolean {
  return PARTIAL_FILE.test(name);
}

function writeAll(descriptor: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += writeSync(descriptor, bytes, offset, bytes.length - offset);
  }
}

// Flushing the folder makes the rename itself survive a power cut, not only a killed process.
// Some platforms (Windows) cannot open a folder for fsync; the rename is still atomic there.
function syncFolder(folder: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(folder, 'r');
    fsyncSync(descriptor);
  } catch {
    // Best effort only: see above.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

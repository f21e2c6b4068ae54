import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `chunks` to `path` through a temporary file in the same folder that is flushed to disk
 * and then renamed over `path`. A rename within one file system is atomic, so a process killed
 * at any moment leaves either the previous file or the new one, never a half-written file.
 */
export function writeFileAtomic(path: string, chunks: string | Uint8Array | readonly Uint8Array[]): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
  const parts = typeof chunks === 'string' ? [Buffer.from(chunks)] : chunks instanceof Uint8Array ? [chunks] : chunks;
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
}

function writeAll(descriptor: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += writeSync(descriptor, bytes, offset, bytes.length - offset);
  }
}

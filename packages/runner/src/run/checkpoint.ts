import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '@csi/core';
import { writeFileAtomic } from './atomic-write.js';

/** File name of the checkpoint inside a run folder. */
export const CHECKPOINT_FILE = 'checkpoint.bin';

const MAGIC = 'CSICKPT1';

/** A named float32 array with its shape, as stored in a checkpoint. */
export interface StoredArray {
  shape: number[];
  values: Float32Array;
}

/** Everything needed to continue training exactly where it stopped. */
export interface Checkpoint {
  /** Epochs fully completed. */
  epoch: number;
  /** Optimiser steps taken so far, over all epochs. */
  step: number;
  /** RandomSource state after the last completed epoch. */
  randomState: number[];
  /** SHA-256 of the resolved spec, so a resume with another spec is caught. */
  specHash: string;
  /** Trainable weights and batch-norm statistics by variable name. */
  weights: Map<string, StoredArray>;
  /** Optimiser buffers (momentum, Adam moments) by name. */
  optimizerState: Map<string, StoredArray>;
  /** Losses of each completed epoch, for the report. */
  history: Record<string, number>[];
}

interface Header {
  epoch: number;
  step: number;
  randomState: number[];
  specHash: string;
  history: Record<string, number>[];
  arrays: { group: 'weights' | 'optimizer'; name: string; shape: number[]; offset: number; length: number }[];
}

/**
 * Writes the checkpoint as one file: the magic string, a 4-byte little-endian header length, a
 * JSON header, then every array's float32 values back to back. The file is replaced atomically.
 */
export function saveCheckpoint(runDir: string, checkpoint: Checkpoint): void {
  const arrays: Header['arrays'] = [];
  const payload: Uint8Array[] = [];
  let offset = 0;
  const groups = [
    ['weights', checkpoint.weights],
    ['optimizer', checkpoint.optimizerState],
  ] as const;
  for (const [group, entries] of groups) {
    for (const [name, array] of entries) {
      arrays.push({ group, name, shape: array.shape, offset, length: array.values.length });
      payload.push(new Uint8Array(array.values.buffer, array.values.byteOffset, array.values.byteLength));
      offset += array.values.length;
    }
  }
  const header: Header = {
    epoch: checkpoint.epoch,
    step: checkpoint.step,
    randomState: checkpoint.randomState,
    specHash: checkpoint.specHash,
    history: checkpoint.history,
    arrays,
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  // Pad the header so that the float32 payload starts at a multiple of 4 bytes.
  const padding = (4 - ((MAGIC.length + 4 + headerBytes.length) % 4)) % 4;
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length + padding, MAGIC.length);
  writeFileAtomic(join(runDir, CHECKPOINT_FILE), [prefix, headerBytes, Buffer.alloc(padding, 0x20), ...payload]);
}

/** Reads a checkpoint written by `saveCheckpoint`, or returns undefined when there is none. */
export function loadCheckpoint(runDir: string): Checkpoint | undefined {
  const path = join(runDir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const fail = (what: string): never => {
    throw new RunError(
      `checkpoint ${path} is unreadable: ${what}. Delete it to start the run again, or pass another --checkpoint folder.`,
    );
  };
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    fail(`it does not start with "${MAGIC}"`);
  }
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const payloadStart = MAGIC.length + 4 + headerLength;
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, payloadStart)) as Header;
  } catch (error) {
    return fail(`its header is not valid JSON (${(error as Error).message})`);
  }
  const payload = new Float32Array(bytes.buffer.slice(bytes.byteOffset + payloadStart, bytes.byteOffset + bytes.length));
  const weights = new Map<string, StoredArray>();
  const optimizerState = new Map<string, StoredArray>();
  for (const entry of header.arrays) {
    if (entry.offset + entry.length > payload.length) {
      fail(`array "${entry.name}" ends past the end of the file (truncated)`);
    }
    const values = payload.slice(entry.offset, entry.offset + entry.length);
    (entry.group === 'weights' ? weights : optimizerState).set(entry.name, { shape: entry.shape, values });
  }
  return {
    epoch: header.epoch,
    step: header.step,
    randomState: header.randomState,
    specHash: header.specHash,
    history: header.history,
    weights,
    optimizerState,
  };
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '@csi/core';
import { writeFileAtomic } from './atomic-write.js';

/** File name of the checkpoint inside a run folder. */
export const CHECKPOINT_FILE = 'checkpoint.bin';

const MAGIC = 'CSICKPT1';
const PREFIX_LENGTH = MAGIC.length + 4;

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
  /**
   * RandomSource state at the end of the last completed epoch. A resumed run does not need it,
   * because every epoch seeds its own source from (seed, epoch); it is kept to inspect a run.
   */
  randomState: number[];
  /** SHA-256 of the resolved spec, so a resume with another spec is caught. */
  specHash: string;
  /** The resolved spec as YAML, to name what differs when a resume is refused. */
  specYaml?: string;
  /** The tensor backend that trained the weights, e.g. 'native'. */
  backend?: string;
  /** Trainable weights and batch-norm statistics by variable name. */
  weights: Map<string, StoredArray>;
  /** Optimiser buffers (momentum, Adam moments) by name. */
  optimizerState: Map<string, StoredArray>;
  /** Losses of each completed epoch, for the report. */
  history: Record<string, number>[];
}

interface ArrayEntry {
  group: 'weights' | 'optimizer';
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface Header {
  epoch: number;
  step: number;
  randomState: number[];
  specHash: string;
  specYaml?: string;
  backend?: string;
  history: Record<string, number>[];
  arrays: ArrayEntry[];
}

/**
 * Writes the checkpoint as one file: the magic string, a 4-byte little-endian header length, a
 * JSON header, then every array's float32 values back to back. The file is replaced atomically,
 * so a process killed while saving leaves the previous checkpoint. Throws a RunError, and leaves
 * the previous file in place, when an array contains NaN or ±Infinity, so a diverged model never
 * replaces a good one.
 */
export function saveCheckpoint(runDir: string, checkpoint: Checkpoint): void {
  const arrays: ArrayEntry[] = [];
  const payload: Uint8Array[] = [];
  let offset = 0;
  const groups = [
    ['weights', checkpoint.weights],
    ['optimizer', checkpoint.optimizerState],
  ] as const;
  for (const [group, entries] of groups) {
    for (const [name, array] of entries) {
      assertFiniteArray(group, name, array, checkpoint.epoch, runDir);
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
    ...(checkpoint.specYaml === undefined ? {} : { specYaml: checkpoint.specYaml }),
    ...(checkpoint.backend === undefined ? {} : { backend: checkpoint.backend }),
    history: checkpoint.history,
    arrays,
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  // Pad the header so that the float32 payload starts at a multiple of 4 bytes.
  const padding = (4 - ((PREFIX_LENGTH + headerBytes.length) % 4)) % 4;
  const prefix = Buffer.alloc(PREFIX_LENGTH);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length + padding, MAGIC.length);
  writeFileAtomic(join(runDir, CHECKPOINT_FILE), [prefix, headerBytes, Buffer.alloc(padding, 0x20), ...payload]);
}

/**
 * Reads the checkpoint that `saveCheckpoint` wrote into `runDir`, or returns undefined when there
 * is none. Temporary `.partial` files of an interrupted save are never read. Throws a RunError
 * naming the file and the defect when the file is damaged (wrong magic, bad header, truncated).
 */
export function loadCheckpoint(runDir: string): Checkpoint | undefined {
  const path = join(runDir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const fail = (what: string): never => {
    throw new RunError(
      `checkpoint ${path} is unreadable: ${what}. Delete the run folder to start the run again, or pass another folder.`,
    );
  };
  if (bytes.length < PREFIX_LENGTH || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    fail(`it does not start with "${MAGIC}"`);
  }
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const payloadStart = PREFIX_LENGTH + headerLength;
  if (payloadStart > bytes.length) {
    fail(`its header is ${headerLength} bytes long but the file has ${bytes.length} bytes (truncated)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8', PREFIX_LENGTH, payloadStart));
  } catch (error) {
    return fail(`its header is not valid JSON (${(error as Error).message})`);
  }
  const header = parseHeader(parsed, fail);

  // Copy the payload so that the float32 view starts at an aligned offset whatever the Buffer's.
  const payloadBytes = bytes.subarray(payloadStart);
  const payload = new Float32Array(Math.floor(payloadBytes.length / 4));
  new Uint8Array(payload.buffer).set(payloadBytes.subarray(0, payload.length * 4));
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
    ...(header.specYaml === undefined ? {} : { specYaml: header.specYaml }),
    ...(header.backend === undefined ? {} : { backend: header.backend }),
    history: header.history,
    weights,
    optimizerState,
  };
}

function parseHeader(value: unknown, fail: (what: string) => never): Header {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('its header is not a JSON object');
  const header = value as Record<string, unknown>;
  for (const key of ['epoch', 'step'] as const) {
    if (!isCount(header[key])) fail(`header field "${key}" must be an integer ≥ 0; found ${JSON.stringify(header[key])}`);
  }
  if (typeof header.specHash !== 'string') fail('header field "specHash" is missing');
  if (header.specYaml !== undefined && typeof header.specYaml !== 'string') fail('header field "specYaml" must be a string');
  if (header.backend !== undefined && typeof header.backend !== 'string') fail('header field "backend" must be a string');
  if (!Array.isArray(header.randomState)) fail('header field "randomState" must be a list');
  if (!Array.isArray(header.history) || !header.history.every((record) => typeof record === 'object' && record !== null)) {
    fail('header field "history" must be a list of records');
  }
  if (!Array.isArray(header.arrays)) fail('header field "arrays" must be a list');
  (header.arrays as unknown[]).forEach((entry, index) => checkArrayEntry(entry, index, fail));
  return header as unknown as Header;
}

function checkArrayEntry(value: unknown, index: number, fail: (what: string) => never): void {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const where = `array entry ${index}`;
  if (entry.group !== 'weights' && entry.group !== 'optimizer') fail(`${where} has group ${JSON.stringify(entry.group)}; expected "weights" or "optimizer"`);
  if (typeof entry.name !== 'string') fail(`${where} has no name`);
  if (!Array.isArray(entry.shape) || !entry.shape.every(isCount)) fail(`${where} ("${String(entry.name)}") has an invalid shape`);
  if (!isCount(entry.offset) || !isCount(entry.length)) fail(`${where} ("${String(entry.name)}") has an invalid offset or length`);
  const size = (entry.shape as number[]).reduce((product, side) => product * side, 1);
  if (size !== entry.length) {
    fail(`array "${String(entry.name)}" has shape [${(entry.shape as number[]).join(', ')}] (${size} values) but length ${String(entry.length)}`);
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function assertFiniteArray(group: string, name: string, array: StoredArray, epoch: number, runDir: string): void {
  const index = array.values.findIndex((value) => !Number.isFinite(value));
  if (index < 0) return;
  const what = group === 'weights' ? `weight "${name}"` : `optimizer state "${name}"`;
  throw new RunError(
    `training diverged: after epoch ${epoch}, ${what} contains ${array.values[index]} (at flat index ${index}), so its checkpoint ` +
      `was not written and the previous one in ${runDir} is kept. Lower train.optimizer.learningRate and start a new run.`,
  );
}

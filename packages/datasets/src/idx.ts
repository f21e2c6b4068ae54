import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DataError } from '@csi/core';

const gunzipAsync = promisify(gunzip);

/**
 * The two IDX layouts read here: uint8 images [count, rows, cols] (magic 0x00000803) and uint8
 * labels [count] (magic 0x00000801), the layouts of MNIST and Fashion-MNIST.
 */
export type IdxKind = 'images' | 'labels';

/** The magic number of each layout: two zero bytes, the data type byte, the number of dimensions. */
export const IDX_MAGIC: Readonly<Record<IdxKind, number>> = { images: 0x00000803, labels: 0x00000801 };

const UNSIGNED_BYTE = 0x08;

const DIMENSION_COUNT: Readonly<Record<IdxKind, number>> = { images: 3, labels: 1 };

const LAYOUT_TEXT: Readonly<Record<IdxKind, string>> = {
  images: 'uint8 images [count, rows, cols]',
  labels: 'uint8 labels [count]',
};

// Data type codes of the IDX format, for messages about a file of another type.
const DATA_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const DEFAULT_FIX = 'Replace the file with an intact copy.';

/** A decoded IDX file: its dimensions (the first is the count) and its values in row-major order. */
export interface IdxArray {
  kind: IdxKind;
  dimensions: number[];
  values: Uint8Array;
}

/** File name and fix that every error message about the file includes. */
export interface IdxSourceInfo {
  /** Path or name shown at the start of every message. */
  file: string;
  /** Sentence with the fix for a bad file, e.g. "Delete it and run ...". */
  fix?: string;
}

/** True when `bytes` start with the gzip header bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips `bytes` when they start with the gzip header and returns them unchanged otherwise. */
export async function gunzipIfCompressed(bytes: Uint8Array, source: IdxSourceInfo): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const inflated = await gunzipAsync(bytes);
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError(
      `${source.file}: corrupt gzip stream (${reason}); expected a complete gzip file. ${source.fix ?? DEFAULT_FIX}`,
      { cause: error },
    );
  }
}

/**
 * Decodes the bytes of an uncompressed IDX file of the given layout. Checks the magic number,
 * the data type, the number of dimensions and that the length is exactly the header plus the
 * product of the dimensions. Every failure is a DataError that names the file.
 */
export function decodeIdx(bytes: Uint8Array, kind: IdxKind, source: IdxSourceInfo): IdxArray {
  const fail = (problem: string): never => {
    throw new DataError(`${source.file}: ${problem}. ${source.fix ?? DEFAULT_FIX}`);
  };
  const dimensionCount = DIMENSION_COUNT[kind];
  const headerLength = 4 + 4 * dimensionCount;
  const expectedMagic = formatHex(IDX_MAGIC[kind]);

  if (bytes.length < 4) {
    fail(`truncated IDX header: the file has ${bytes.length} bytes, expected at least ${headerLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      `not an IDX file: magic number ${formatHex(magic)}, expected ${expectedMagic} (${LAYOUT_TEXT[kind]}); ` +
        'an IDX file starts with two zero bytes',
    );
  }
  const dataType = bytes[2] ?? 0;
  if (dataType !== UNSIGNED_BYTE) {
    const name = DATA_TYPE_NAMES[dataType] ?? 'unknown';
    fail(
      `unsupported IDX data type 0x${dataType.toString(16).padStart(2, '0')} (${name}) in magic number ` +
        `${formatHex(magic)}, expected 0x08 (unsigned byte), magic ${expectedMagic}`,
    );
  }
  const foundDimensions = bytes[3] ?? 0;
  if (foundDimensions !== dimensionCount) {
    const other = (Object.keys(DIMENSION_COUNT) as IdxKind[]).find((k) => DIMENSION_COUNT[k] === foundDimensions);
    const hint = other ? `; this looks like an IDX ${other} file` : '';
    fail(
      `magic number ${formatHex(magic)} declares ${foundDimensions} dimensions, expected ${dimensionCount} ` +
        `(${expectedMagic}, ${LAYOUT_TEXT[kind]})${hint}`,
    );
  }
  if (bytes.length < headerLength) {
    fail(`truncated IDX header: the file has ${bytes.length} bytes, expected at least ${headerLength}`);
  }

  const dimensions: number[] = [];
  for (let d = 0; d < dimensionCount; d++) dimensions.push(view.getUint32(4 + 4 * d, false));
  const valueCount = dimensions.reduce((product, size) => product * size, 1);
  const expectedLength = headerLength + valueCount;
  if (bytes.length !== expectedLength) {
    const formula = `${headerLength} + ${dimensions.join('·')} = ${expectedLength}`;
    if (bytes.length < expectedLength) {
      fail(
        `truncated: the file has ${bytes.length} bytes, expected ${formula} for dimensions ` +
          `[${dimensions.join(', ')}]`,
      );
    }
    fail(
      `too long: the file has ${bytes.length} bytes, expected ${formula} for dimensions ` +
        `[${dimensions.join(', ')}] (${bytes.length - expectedLength} bytes after the data)`,
    );
  }
  // A copy, so the values own their memory even when `bytes` is a Buffer view of a larger pool.
  return { kind, dimensions, values: new Uint8Array(bytes.subarray(headerLength)) };
}

/** Reads an IDX file, gzipped (detected by its header) or raw, and decodes it as `kind`. */
export async function readIdxFile(path: string, kind: IdxKind, fix?: string): Promise<IdxArray> {
  const source: IdxSourceInfo = fix === undefined ? { file: path } : { file: path, fix };
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (error) {
    throw new DataError(`${path}: cannot read the file (${(error as Error).message}). ${fix ?? DEFAULT_FIX}`, {
      cause: error,
    });
  }
  return decodeIdx(await gunzipIfCompressed(raw, source), kind, source);
}

/**
 * Encodes values as an uncompressed IDX file of the given layout, the inverse of `decodeIdx`.
 * Throws a RangeError when `values` does not hold exactly the product of `dimensions`.
 */
export function encodeIdx(kind: IdxKind, dimensions: readonly number[], values: Uint8Array): Uint8Array {
  if (dimensions.length !== DIMENSION_COUNT[kind]) {
    throw new RangeError(`encodeIdx: ${kind} need ${DIMENSION_COUNT[kind]} dimensions, got ${dimensions.length}`);
  }
  const valueCount = dimensions.reduce((product, size) => product * size, 1);
  if (values.length !== valueCount) {
    throw new RangeError(
      `encodeIdx: dimensions [${dimensions.join(', ')}] need ${valueCount} values, got ${values.length}`,
    );
  }
  const headerLength = 4 + 4 * dimensions.length;
  const bytes = new Uint8Array(headerLength + valueCount);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, IDX_MAGIC[kind], false);
  dimensions.forEach((size, d) => view.setUint32(4 + 4 * d, size, false));
  bytes.set(values, headerLength);
  return bytes;
}

function formatHex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

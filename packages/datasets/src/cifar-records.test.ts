import { DataError } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { concatenateRecords, decodeCifarRecords } from './cifar-records.js';

const CIFAR10_LAYOUT = { labelCounts: [10], labelIndex: 0 };
const FIX = 'Replace the file.';

/** One record: label bytes, then the R, G and B planes, each plane filled with one value. */
function record(labels: number[], [red, green, blue]: [number, number, number]): Uint8Array {
  const bytes = new Uint8Array(labels.length + 3072);
  bytes.set(labels, 0);
  bytes.fill(red, labels.length, labels.length + 1024);
  bytes.fill(green, labels.length + 1024, labels.length + 2048);
  bytes.fill(blue, labels.length + 2048, labels.length + 3072);
  return bytes;
}

function join(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function decodeError(bytes: Uint8Array, layout = CIFAR10_LAYOUT): DataError {
  try {
    decodeCifarRecords(bytes, layout, 'batch.bin', FIX);
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('decodeCifarRecords accepted a bad file');
}

describe('decodeCifarRecords', () => {
  it('turns R, G, B planes into NHWC pixels', () => {
    const first = record([3], [10, 20, 30]);
    // Mark pixel (row 1, column 2) in the green plane: plane offset 1 · 32 + 2 = 34.
    first[1 + 1024 + 34] = 99;
    const decoded = decodeCifarRecords(join(first, record([7], [1, 2, 3])), CIFAR10_LAYOUT, 'batch.bin', FIX);

    expect(decoded.count).toBe(2);
    expect(decoded.images).toBeInstanceOf(Uint8Array);
    expect(decoded.images).toHaveLength(2 * 32 * 32 * 3);
    expect([...decoded.labels]).toEqual([3, 7]);
    expect([...decoded.images.subarray(0, 3)]).toEqual([10, 20, 30]);
    // NHWC index of (image 0, row 1, column 2): (1 · 32 + 2) · 3 = 102.
    expect([...decoded.images.subarray(102, 105)]).toEqual([10, 99, 30]);
    expect([...decoded.images.subarray(3072, 3075)]).toEqual([1, 2, 3]);
    expect([...decoded.images.subarray(2 * 3072 - 3)]).toEqual([1, 2, 3]);
  });

  it('matches the plane formula on varied pixels', () => {
    const bytes = new Uint8Array(2 * 3073);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) % 256;
    bytes[0] = 4;
    bytes[3073] = 9;
    const decoded = decodeCifarRecords(bytes, CIFAR10_LAYOUT, 'batch.bin', FIX);
    for (let image = 0; image < 2; image++) {
      for (const [y, x, c] of [[0, 0, 0], [5, 17, 1], [31, 31, 2], [12, 0, 2]] as const) {
        const planeByte = image * 3073 + 1 + c * 1024 + y * 32 + x;
        expect(decoded.images[image * 3072 + (y * 32 + x) * 3 + c], `${image} ${y} ${x} ${c}`).toBe(bytes[planeByte]);
      }
    }
  });

  it('takes the chosen label byte of CIFAR-100 records', () => {
    const bytes = join(record([19, 99], [0, 0, 0]), record([0, 5], [0, 0, 0]));
    const coarse = decodeCifarRecords(bytes, { labelCounts: [20, 100], labelIndex: 0 }, 'train.bin', FIX);
    const fine = decodeCifarRecords(bytes, { labelCounts: [20, 100], labelIndex: 1 }, 'train.bin', FIX);
    expect([...coarse.labels]).toEqual([19, 0]);
    expect([...fine.labels]).toEqual([99, 5]);
  });

  it('rejects a truncated file', () => {
    const bytes = join(record([1], [0, 0, 0]), record([2], [0, 0, 0])).subarray(0, 3073 + 100);
    const { message } = decodeError(bytes);
    expect(message).toContain('batch.bin: 3173 bytes is not a whole, non-zero number of 3073-byte records');
    expect(message).toContain('1 records and 100 bytes left over');
    expect(message).toContain('truncated or belongs to another CIFAR version');
    expect(message).toContain(FIX);
  });

  it('rejects CIFAR-100 records read as CIFAR-10', () => {
    // Three 3074-byte records are 9222 bytes = 3 · 3073 + 3.
    const bytes = join(record([1, 2], [0, 0, 0]), record([1, 2], [0, 0, 0]), record([1, 2], [0, 0, 0]));
    const { message } = decodeError(bytes);
    expect(message).toContain('9222 bytes');
    expect(message).toContain('3 records and 3 bytes left over');
  });

  it('rejects an empty file', () => {
    expect(decodeError(new Uint8Array(0)).message).toContain('0 bytes is not a whole, non-zero number');
  });

  it('rejects a label out of range', () => {
    const bytes = join(record([9], [0, 0, 0]), record([10], [0, 0, 0]));
    const { message } = decodeError(bytes);
    expect(message).toContain('batch.bin: label byte 0 of record 1 (file offset 3073) is 10, expected 0 to 9');
    expect(message).toContain(FIX);
  });

  it('checks both label bytes of CIFAR-100', () => {
    const { message } = decodeError(record([3, 100], [0, 0, 0]), { labelCounts: [20, 100], labelIndex: 0 });
    expect(message).toContain('label byte 1 of record 0 (file offset 1) is 100, expected 0 to 99');
  });
});

describe('concatenateRecords', () => {
  it('joins batches in order', () => {
    const a = decodeCifarRecords(record([1], [5, 5, 5]), CIFAR10_LAYOUT, 'a', FIX);
    const b = decodeCifarRecords(join(record([2], [6, 6, 6]), record([3], [7, 7, 7])), CIFAR10_LAYOUT, 'b', FIX);
    const joined = concatenateRecords([a, b]);
    expect(joined.count).toBe(3);
    expect([...joined.labels]).toEqual([1, 2, 3]);
    expect([joined.images[0], joined.images[3072], joined.images[2 * 3072]]).toEqual([5, 6, 7]);
  });
});

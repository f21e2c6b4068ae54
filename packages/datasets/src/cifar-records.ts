import { DataError } from '@csi/core';

/** Side of a CIFAR image in pixels; every image is 32 × 32 × 3. */
export const CIFAR_IMAGE_SIDE = 32;

/** Pixel bytes of one record: the R, G and B planes of 32 × 32 pixels, one after another. */
export const CIFAR_PIXEL_BYTES = CIFAR_IMAGE_SIDE * CIFAR_IMAGE_SIDE * 3;

/** Where the labels sit in a record and how many values each label byte may take. */
export interface CifarRecordLayout {
  /**
   * Number of values of each label byte at the start of a record, in byte order: `[10]` for
   * CIFAR-10, `[20, 100]` (coarse, fine) for CIFAR-100.
   */
  labelCounts: readonly number[];
  /** Index of the label byte that becomes the image's label. */
  labelIndex: number;
}

/** Images and labels decoded from one binary batch file. */
export interface CifarRecords {
  /** Pixels [count, 32, 32, 3] NHWC, uint8 in [0, 255]. */
  images: Uint8Array;
  /** Label of each image, [count]. */
  labels: Int32Array;
  count: number;
}

/** Bytes of one record of `layout`: the label bytes and 3072 pixel bytes. */
export function cifarRecordBytes(layout: CifarRecordLayout): number {
  return layout.labelCounts.length + CIFAR_PIXEL_BYTES;
}

/**
 * Decodes a CIFAR binary batch file: records of label bytes followed by 3072 pixel bytes in
 * planes (all 1024 red bytes, then green, then blue, each row-major over 32 × 32). Converts the
 * pixels to NHWC. Checks that the file is a whole number of records, at least one, and that
 * every label byte is below its count. Each failure is a DataError that names `file` and ends
 * with `fix`.
 */
export function decodeCifarRecords(
  bytes: Uint8Array,
  layout: CifarRecordLayout,
  file: string,
  fix: string,
): CifarRecords {
  const labelBytes = layout.labelCounts.length;
  const recordBytes = cifarRecordBytes(layout);
  const count = Math.floor(bytes.length / recordBytes);
  const leftOver = bytes.length - count * recordBytes;
  if (bytes.length === 0 || leftOver !== 0) {
    throw new DataError(
      `${file}: ${bytes.length} bytes is not a whole, non-zero number of ${recordBytes}-byte records ` +
        `(${labelBytes} label ${labelBytes === 1 ? 'byte' : 'bytes'} + ${CIFAR_PIXEL_BYTES} pixel bytes): ` +
        `${count} records and ${leftOver} bytes left over. The file is truncated or belongs to another ` +
        `CIFAR version. ${fix}`,
    );
  }

  const planeSize = CIFAR_IMAGE_SIDE * CIFAR_IMAGE_SIDE;
  const images = new Uint8Array(count * CIFAR_PIXEL_BYTES);
  const labels = new Int32Array(count);
  for (let record = 0; record < count; record++) {
    const start = record * recordBytes;
    for (let byte = 0; byte < labelBytes; byte++) {
      const value = bytes[start + byte] as number;
      const limit = layout.labelCounts[byte] as number;
      if (value >= limit) {
        throw new DataError(
          `${file}: label byte ${byte} of record ${record} (file offset ${start + byte}) is ${value}, ` +
            `expected 0 to ${limit - 1}. The file is corrupt or belongs to another CIFAR version. ${fix}`,
        );
      }
    }
    labels[record] = bytes[start + layout.labelIndex] as number;

    const pixels = start + labelBytes;
    const target = record * CIFAR_PIXEL_BYTES;
    for (let p = 0; p < planeSize; p++) {
      images[target + 3 * p] = bytes[pixels + p] as number;
      images[target + 3 * p + 1] = bytes[pixels + planeSize + p] as number;
      images[target + 3 * p + 2] = bytes[pixels + 2 * planeSize + p] as number;
    }
  }
  return { images, labels, count };
}

/** Joins decoded batches in order into one set of images and labels. */
export function concatenateRecords(parts: readonly CifarRecords[]): CifarRecords {
  const count = parts.reduce((sum, part) => sum + part.count, 0);
  const images = new Uint8Array(count * CIFAR_PIXEL_BYTES);
  const labels = new Int32Array(count);
  let offset = 0;
  for (const part of parts) {
    images.set(part.images, offset * CIFAR_PIXEL_BYTES);
    labels.set(part.labels, offset);
    offset += part.count;
  }
  return { images, labels, count };
}

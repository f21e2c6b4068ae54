import { DataError, type DatasetSource, type ImageSet } from '@csi/core';
import { readIdxFile } from './idx.js';

/**
 * Loads the train split, then the test split. Loading them one after the other makes the
 * reported error the train split's whenever both are bad, where loading them at once would report
 * whichever failed first.
 */
export async function loadTrainAndTest(dataset: DatasetSource): Promise<[train: ImageSet, test: ImageSet]> {
  const train = await dataset.load('train');
  return [train, await dataset.load('test')];
}

/**
 * Returns a new ImageSet with the images at `indices`, in that order; pixels are copied.
 * Throws a RangeError for an index outside [0, set.count).
 */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const imageSize = set.height * set.width * set.channels;
  const images = new Uint8Array(indices.length * imageSize);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (!Number.isInteger(index) || index < 0 || index >= set.count) {
      throw new RangeError(`selectImages: index ${index} at position ${i} is outside [0, ${set.count})`);
    }
    images.set(set.images.subarray(index * imageSize, (index + 1) * imageSize), i * imageSize);
    labels[i] = set.labels[index] as number;
  }
  return { ...set, images, labels, count: indices.length };
}

/** Counts the images of each class index; returns [classNames.length] counts. */
export function countPerClass(set: ImageSet): number[] {
  const counts = new Array<number>(set.classNames.length).fill(0);
  for (const label of set.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

export interface ImageSetFiles {
  /** IDX uint8 images [count, rows, cols], gzipped or raw. */
  images: string;
  /** IDX uint8 labels [count], gzipped or raw. */
  labels: string;
}

export interface ReadImageSetOptions {
  /** [H, W, C] that every image must have; C must be 1 for IDX images. Unchecked when absent. */
  imageShape?: readonly [number, number, number];
  /** Sentence with the fix for a bad file, appended to each error message. */
  fix?: string;
}

/**
 * Reads an image file and a label file in IDX format into an ImageSet of one channel. Checks
 * that the counts agree, that the image size is `imageShape` when given, and that every label is
 * a class index below `classNames.length`. Each failure is a DataError that names the file.
 */
export async function readImageSet(
  files: ImageSetFiles,
  classNames: readonly string[],
  options: ReadImageSetOptions = {},
): Promise<ImageSet> {
  const fixText = options.fix ? ` ${options.fix}` : '';
  const [images, labels] = await Promise.all([
    readIdxFile(files.images, 'images', options.fix),
    readIdxFile(files.labels, 'labels', options.fix),
  ]);
  const [count = 0, height = 0, width = 0] = images.dimensions;
  const labelCount = labels.dimensions[0] ?? 0;
  if (labelCount !== count) {
    throw new DataError(
      `${files.labels}: ${labelCount} labels, but ${files.images} has ${count} images; ` +
        `expected one label per image.${fixText}`,
    );
  }
  if (options.imageShape) {
    const [expectedHeight, expectedWidth, expectedChannels] = options.imageShape;
    if (height !== expectedHeight || width !== expectedWidth || expectedChannels !== 1) {
      throw new DataError(
        `${files.images}: images are [${height}, ${width}, 1] (H, W, C), expected ` +
          `[${options.imageShape.join(', ')}].${fixText}`,
      );
    }
  }
  for (let i = 0; i < labelCount; i++) {
    const label = labels.values[i] as number;
    if (label >= classNames.length) {
      throw new DataError(
        `${files.labels}: label ${label} of image ${i} is not a class index; expected 0 to ` +
          `${classNames.length - 1} (${classNames.length} classes).${fixText}`,
      );
    }
  }
  return {
    images: images.values,
    labels: Int32Array.from(labels.values),
    count,
    height,
    width,
    channels: 1,
    classNames,
  };
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, defineDataset, type DatasetSource, type ImageSet, type Split } from '@csi/core';
import { SPLIT_FILES } from './catalog.js';
import { readImageSet } from './image-set.js';

export interface IdxFolderOptions {
  /** Folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may end in .gz). */
  root: string;
  /** Name of each class index; the labels must be below its length. */
  classNames: string[];
  /** Image height and width in pixels. */
  height: number;
  width: number;
}

/**
 * Your own data in the MNIST file layout: one-channel uint8 images and labels in IDX files.
 * Unlike `fashion-mnist` and `mnist`, the files are read as they are, with no checksum and no
 * download, but every structural check of the IDX reader still applies.
 */
export const idxFolderDataset = defineDataset<IdxFolderOptions>({
  name: 'idx-folder',
  summary: 'Your own one-channel images and labels in MNIST-style IDX files (no download, no checksum).',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root', 'classNames'],
    properties: {
      root: { type: 'string', minLength: 1, description: 'Folder holding the four IDX files.' },
      classNames: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 2, description: 'Name of each class index.' },
      height: { type: 'integer', minimum: 1, default: 28 },
      width: { type: 'integer', minimum: 1, default: 28 },
    },
  },
  create: (options) => new IdxFolderSource(options),
});

class IdxFolderSource implements DatasetSource {
  readonly classNames: readonly string[];
  readonly imageShape: readonly [number, number, number];

  constructor(private readonly options: IdxFolderOptions) {
    this.classNames = options.classNames;
    this.imageShape = [options.height, options.width, 1];
  }

  async load(split: Split): Promise<ImageSet> {
    const { images, labels } = SPLIT_FILES[split];
    return readImageSet({ images: this.findFile(images), labels: this.findFile(labels) }, this.classNames, {
      imageShape: this.imageShape,
      fix: 'Rewrite the file in IDX format (uint8, big-endian sizes), or fix data.dataset.options.root.',
    });
  }

  private findFile(name: string): string {
    for (const candidate of [join(this.options.root, name), join(this.options.root, `${name}.gz`)]) {
      if (existsSync(candidate)) return candidate;
    }
    throw new DataError(
      `idx-folder: ${join(this.options.root, name)} (or .gz) not found. ` +
        'Put the IDX file there, or point data.dataset.options.root at the folder that has it.',
    );
  }
}

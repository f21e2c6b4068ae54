import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineDataset, type DatasetSource, type ImageSet, type Split } from '@csi/core';
import {
  compareCodePoints,
  listClassFolders,
  listClassImages,
  readClassImages,
  type TargetShape,
} from './image-folder-reader.js';

export interface ImageFolderOptions {
  /** Folder that contains one sub-folder per split. */
  root: string;
  /** Height and width in pixels that every image is resized to. */
  height: number;
  width: number;
  /** 1: grayscale, 3: RGB; images of the other kind are converted. */
  channels: 1 | 3;
  /** Names of the split folders under `root`. */
  splits: { train: string; test: string };
}

/**
 * Your own images in class folders: `<root>/<split>/<class>/<image>.png|jpg`. The classes are the
 * folder names found in either split, sorted by UTF-16 code unit. A class may be missing from one
 * split (an OOD class only in `test`, say). Images are decoded, converted to `channels` and
 * resized to `height` × `width` when they differ.
 */
export class ImageFolderSource implements DatasetSource {
  readonly imageShape: TargetShape;
  private names: readonly string[] | undefined;

  constructor(private readonly options: ImageFolderOptions) {
    this.imageShape = [options.height, options.width, options.channels];
  }

  /**
   * Class folder names of both splits, read from disk on first use, so creating the source touches
   * no file. A split folder that does not exist is left out, because a folder with only a test
   * split can serve as an OOD set. Loading a missing split still fails.
   */
  get classNames(): readonly string[] {
    if (!this.names) {
      const found = new Set<string>();
      const splits = (['train', 'test'] as const).filter((split) => existsSync(this.splitDir(split)));
      // With neither folder present, listing the train split raises the error that names it.
      for (const split of splits.length > 0 ? splits : (['train'] as const)) {
        for (const name of listClassFolders(this.splitDir(split), this.describe(split), this.fix(split))) found.add(name);
      }
      this.names = [...found].sort(compareCodePoints);
    }
    return this.names;
  }

  async load(split: Split): Promise<ImageSet> {
    const classNames = this.classNames;
    const dir = this.splitDir(split);
    const present = listClassFolders(dir, this.describe(split), this.fix(split));
    const folders = await listClassImages(dir, present, this.describe(split));
    return readClassImages(folders, classNames, this.imageShape);
  }

  private splitDir(split: Split): string {
    return join(this.options.root, this.options.splits[split]);
  }

  private describe(split: Split): string {
    return `image-folder: split "${split}"`;
  }

  private fix(split: Split): string {
    return (
      `Expected <root>/${this.options.splits[split]}/<class>/<image>.png|jpg with root "${this.options.root}" ` +
      `(a relative root starts from the working directory); check the options root and splits.${split} ` +
      'of this image-folder data set (under data.dataset, or the protocol entry that names it).'
    );
  }
}

export const imageFolderDataset = defineDataset<ImageFolderOptions>({
  name: 'image-folder',
  summary: 'Your own PNG/JPEG images in <root>/<split>/<class>/ folders, converted and resized to one shape.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string', minLength: 1, description: 'Folder that contains the split folders.' },
      // 32 × 32 × 3 is the CIFAR-10 size that the authors' ResNet-18 with its 3×3 stem is built for.
      height: { type: 'integer', minimum: 1, default: 32, description: 'Height in pixels every image is resized to.' },
      width: { type: 'integer', minimum: 1, default: 32, description: 'Width in pixels every image is resized to.' },
      channels: { enum: [1, 3], default: 3, description: '1: grayscale, 3: RGB; images are converted.' },
      splits: {
        type: 'object',
        additionalProperties: false,
        default: { train: 'train', test: 'test' },
        description: 'Names of the split folders under root.',
        properties: {
          train: { type: 'string', minLength: 1, default: 'train' },
          test: { type: 'string', minLength: 1, default: 'test' },
        },
      },
    },
  },
  create: (options) => new ImageFolderSource(options),
});

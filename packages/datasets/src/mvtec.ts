import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, defineDataset, suggestClosest, type DatasetSource, type ImageSet, type Split } from '@csi/core';
import { listClassFolders, listClassImages, readClassImages, type TargetShape } from './image-folder-reader.js';

/** The class of defect-free images in the MVTec AD layout; class index 0. */
export const MVTEC_GOOD_CLASS = 'good';

export interface MvtecOptions {
  /** Folder that contains the category folders (`bottle/`, `cable/`, ...). */
  root: string;
  /** Category folder name, e.g. `bottle`. */
  category: string;
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * One category of MVTec AD (Bergmann et al., 2019) or a data set in the same layout:
 * `<root>/<category>/train/good/*.png` and `<root>/<category>/test/<good or defect>/*.png`.
 * Class 0 is `good`; the other classes are the defect folders of `test`, sorted. The train split
 * holds only good images, so the one-class protocol with `normalClasses: [0]` gives the
 * standard evaluation: train on good images, test good (normal) against every defect (anomalous).
 * The `ground_truth` masks are not read.
 */
export class MvtecSource implements DatasetSource {
  readonly imageShape: TargetShape;
  private names: readonly string[] | undefined;

  constructor(private readonly options: MvtecOptions) {
    this.imageShape = [options.height, options.width, options.channels];
  }

  /** `good`, then the defect folders of the test split; read from disk on first use. */
  get classNames(): readonly string[] {
    if (!this.names) {
      const testClasses = listClassFolders(this.splitDir('test'), this.describe('test'), this.fix());
      if (!testClasses.includes(MVTEC_GOOD_CLASS)) {
        throw new DataError(
          `${this.describe('test')}: ${this.splitDir('test')} has no "${MVTEC_GOOD_CLASS}" folder, so there ` +
            `are no normal test images. Found: ${testClasses.join(', ')}. ${this.fix()}`,
        );
      }
      this.names = [MVTEC_GOOD_CLASS, ...testClasses.filter((name) => name !== MVTEC_GOOD_CLASS)];
    }
    return this.names;
  }

  async load(split: Split): Promise<ImageSet> {
    const classNames = this.classNames;
    const dir = this.splitDir(split);
    const present = listClassFolders(dir, this.describe(split), this.fix());
    if (split === 'train' && (present.length !== 1 || present[0] !== MVTEC_GOOD_CLASS)) {
      throw new DataError(
        `${this.describe('train')}: ${dir} must hold only the "${MVTEC_GOOD_CLASS}" folder, because training ` +
          `uses defect-free images only; found ${present.join(', ')}. Move the other folders to test/.`,
      );
    }
    const folders = await listClassImages(dir, present, this.describe(split));
    return readClassImages(folders, classNames, this.imageShape);
  }

  private splitDir(split: Split): string {
    this.checkCategory();
    return join(this.options.root, this.options.category, split);
  }

  // A missing category is the likeliest mistake, so its message lists the categories present.
  private checkCategory(): void {
    const { root, category } = this.options;
    let categories: string[];
    try {
      categories = readdirSync(root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      throw new DataError(
        `mvtec: cannot read the root folder ${root} (${(error as Error).message}). ` +
          'Set data.dataset.options.root to the folder that holds the category folders (bottle/, cable/, ...).',
        { cause: error },
      );
    }
    if (categories.includes(category)) return;
    const suggestion = suggestClosest(category, categories);
    throw new DataError(
      `mvtec: category "${category}" not found in ${root}. Found: ${categories.join(', ') || '(no folders)'}.` +
        (suggestion ? ` Did you mean "${suggestion}"?` : ''),
    );
  }

  private describe(split: Split): string {
    return `mvtec: category "${this.options.category}", split "${split}"`;
  }

  private fix(): string {
    return `Expected ${join(this.options.root, this.options.category)}/train/good/ and test/<good or defect>/ with PNG or JPEG images.`;
  }
}

export const mvtecDataset = defineDataset<MvtecOptions>({
  name: 'mvtec',
  summary: 'One category of MVTec AD (or the same layout): train on good images; test good vs each defect class.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['root', 'category'],
    properties: {
      root: { type: 'string', minLength: 1, description: 'Folder that contains the category folders.' },
      category: {
        type: 'string',
        pattern: '^[^/\\\\]+$',
        description: 'Category folder name, e.g. bottle, cable, carpet, grid, hazelnut, leather, screw.',
      },
      // MVTec AD images are 700 to 1024 pixels wide. 64 keeps a CPU run short; small defects
      // need a larger size (256, say) to stay visible after resizing.
      height: { type: 'integer', minimum: 1, default: 64, description: 'Height in pixels every image is resized to.' },
      width: { type: 'integer', minimum: 1, default: 64, description: 'Width in pixels every image is resized to.' },
      channels: { enum: [1, 3], default: 3, description: '1: grayscale, 3: RGB; the grayscale categories are converted.' },
    },
  },
  create: (options) => new MvtecSource(options),
});

import {
  defineDataset,
  type ComponentContext,
  type DatasetSource,
  type ImageSet,
  type Split,
} from '@csi/core';
import { acquireDataset } from './acquire.js';
import { FASHION_MNIST, MNIST, SPLIT_FILES, type IdxDatasetDescription } from './catalog.js';
import { readImageSet } from './image-set.js';
import type { LocatedDataset } from './locate.js';

export interface IdxDatasetOptions {
  /** A folder holding the four files, searched before the other folders; null to skip. */
  root: string | null;
  /** Whether to download the files into the user cache when no folder contains them. */
  download: boolean;
}

const IDX_DATASET_OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    root: { type: ['string', 'null'], minLength: 1, default: null },
    download: { type: 'boolean', default: true },
  },
};

/**
 * A data set of MNIST-style IDX files. It finds and verifies its files once, on the first
 * `load`, and reads each split from them on every `load`.
 */
export class IdxDatasetSource implements DatasetSource {
  readonly classNames: readonly string[];
  readonly imageShape: readonly [number, number, number];
  private located: Promise<LocatedDataset> | undefined;

  constructor(
    private readonly description: IdxDatasetDescription,
    private readonly options: IdxDatasetOptions,
    private readonly context: ComponentContext,
  ) {
    this.classNames = description.classNames;
    this.imageShape = description.imageShape;
  }

  async load(split: Split): Promise<ImageSet> {
    const { files } = await this.locate();
    const { images, labels } = SPLIT_FILES[split];
    const { logger } = this.context;
    logger.debug({ dataset: this.description.name, split }, 'reading split');
    const set = await readImageSet({ images: files[images], labels: files[labels] }, this.classNames, {
      imageShape: this.imageShape,
      fix: `Delete the file and run \`csi data fetch ${this.description.name}\`.`,
    });
    logger.debug({ dataset: this.description.name, split, count: set.count }, 'read split');
    return set;
  }

  private locate(): Promise<LocatedDataset> {
    this.located ??= acquireDataset(this.description, {
      root: this.options.root,
      download: this.options.download,
      cacheDir: this.context.cacheDir,
      logger: this.context.logger,
    }).catch((error: unknown) => {
      // Forget the failure, so a later `load` searches again (after `csi data fetch`, say).
      this.located = undefined;
      throw error;
    });
    return this.located;
  }
}

/** Declares the dataset component of an IDX data set description. */
export function defineIdxDataset(description: IdxDatasetDescription) {
  return defineDataset<IdxDatasetOptions>({
    name: description.name,
    summary:
      `${description.title}: ${description.imageShape.join('×')} images in ` +
      `${description.classNames.length} classes, IDX files checked by SHA-256.`,
    optionsSchema: IDX_DATASET_OPTIONS_SCHEMA,
    create: (options, context) => new IdxDatasetSource(description, options, context),
  });
}

export const fashionMnistDataset = defineIdxDataset(FASHION_MNIST);

export const mnistDataset = defineIdxDataset(MNIST);

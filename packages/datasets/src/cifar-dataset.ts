import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataError,
  defineDataset,
  type ComponentContext,
  type DatasetSource,
  type ImageSet,
  type Split,
} from '@csi/core';
import { acquireCifar, type LocatedCifar } from './cifar-acquire.js';
import {
  CIFAR10,
  CIFAR100,
  CIFAR100_LABEL_KINDS,
  type Cifar100LabelKind,
  type CifarDatasetDescription,
  type CifarLabelling,
} from './cifar-catalog.js';
import { CIFAR_IMAGE_SIDE, concatenateRecords, decodeCifarRecords, type CifarRecords } from './cifar-records.js';
import { readTarFiles } from './tar-reader.js';

export interface CifarOptions {
  /** A folder with the archive or the extracted batch files, searched first; null to skip. */
  root: string | null;
  /** Whether to download the archive into the user cache when no folder contains the files. */
  download: boolean;
}

export interface Cifar100Options extends CifarOptions {
  /** `coarse`: the 20 super-classes (the one-class benchmark); `fine`: the 100 classes. */
  labels: Cifar100LabelKind;
}

const CIFAR_OPTIONS_PROPERTIES = {
  root: {
    type: ['string', 'null'],
    minLength: 1,
    default: null,
    description: 'Folder with the .tar.gz archive or the extracted .bin files, searched first.',
  },
  download: { type: 'boolean', default: true, description: 'Download the archive into the user cache when it is not found.' },
};

/**
 * A CIFAR data set in its binary version. It finds (and if allowed, downloads) the archive or
 * the extracted batch files once, on the first `load`, and reads a split's batch files on every
 * `load`, straight from the archive when there is no extracted copy.
 */
export class CifarDatasetSource implements DatasetSource {
  readonly classNames: readonly string[];
  readonly imageShape = [CIFAR_IMAGE_SIDE, CIFAR_IMAGE_SIDE, 3] as const;
  private readonly labelling: CifarLabelling;
  private located: Promise<LocatedCifar> | undefined;

  constructor(
    private readonly description: CifarDatasetDescription,
    labellingName: string,
    private readonly options: CifarOptions,
    private readonly context: ComponentContext,
  ) {
    const labelling = description.labellings[labellingName];
    if (!labelling) {
      const known = Object.keys(description.labellings).join(', ');
      throw new RangeError(`${description.title} has no labelling "${labellingName}"; known: ${known}`);
    }
    this.labelling = labelling;
    this.classNames = labelling.classNames;
  }

  async load(split: Split): Promise<ImageSet> {
    const located = await this.locate();
    const { logger } = this.context;
    logger.debug({ dataset: this.description.name, split }, 'reading split');
    const records =
      located.files.kind === 'folder'
        ? await this.readFolder(located.files.dir, split)
        : await this.readArchive(located.files.path, split);
    logger.debug({ dataset: this.description.name, split, count: records.count }, 'read split');
    return {
      images: records.images,
      labels: records.labels,
      count: records.count,
      height: CIFAR_IMAGE_SIDE,
      width: CIFAR_IMAGE_SIDE,
      channels: 3,
      classNames: this.classNames,
    };
  }

  private async readFolder(dir: string, split: Split): Promise<CifarRecords> {
    const fix =
      `Replace it with an intact copy from ${this.description.archiveName}, or remove the extracted ` +
      `files so that the archive is used.`;
    const parts: CifarRecords[] = [];
    for (const file of this.description.splitFiles[split]) {
      const path = join(dir, file);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        throw new DataError(`${path}: cannot read the file (${(error as Error).message}). ${fix}`, { cause: error });
      }
      parts.push(decodeCifarRecords(bytes, this.layout(), path, fix));
    }
    const namesPath = join(dir, this.labelling.namesFile);
    const names = await readFile(namesPath).catch(() => undefined);
    if (names) this.checkClassNames(names, namesPath);
    return concatenateRecords(parts);
  }

  private async readArchive(archive: string, split: Split): Promise<CifarRecords> {
    const fix = `Delete ${archive}; with \`download: true\` the next run downloads it again.`;
    const folder = this.description.archiveFolder;
    const wanted = new Set([...this.description.splitFiles[split], this.labelling.namesFile].map((file) => `${folder}/${file}`));
    const files = await readTarFiles(archive, (name) => wanted.has(name));
    const parts: CifarRecords[] = [];
    for (const file of this.description.splitFiles[split]) {
      const member = `${folder}/${file}`;
      const bytes = files.get(member);
      if (!bytes) throw new DataError(`${archive}: the archive has no member ${member}. ${fix}`);
      parts.push(decodeCifarRecords(bytes, this.layout(), `${archive}:${member}`, fix));
      files.delete(member);
    }
    const namesMember = `${folder}/${this.labelling.namesFile}`;
    const names = files.get(namesMember);
    if (names) this.checkClassNames(names, `${archive}:${namesMember}`);
    return concatenateRecords(parts);
  }

  private layout() {
    return { labelCounts: this.description.labelCounts, labelIndex: this.labelling.labelIndex };
  }

  // The names file guards against a folder of another CIFAR version whose records happen to fit.
  private checkClassNames(bytes: Buffer, file: string): void {
    const found = bytes
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const expected = this.classNames;
    if (found.length === expected.length && found.every((name, i) => name === expected[i])) return;
    throw new DataError(
      `${file}: lists the classes ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', ...' : ''} ` +
        `(${found.length} names), expected ${expected.slice(0, 5).join(', ')}, ... (${expected.length} names) ` +
        `of ${this.description.title}. The folder holds another data set; point \`root\` at the ${this.description.title} files.`,
    );
  }

  private locate(): Promise<LocatedCifar> {
    this.located ??= acquireCifar(this.description, {
      root: this.options.root,
      download: this.options.download,
      cacheDir: this.context.cacheDir,
      logger: this.context.logger,
    }).catch((error: unknown) => {
      // Forget the failure, so a later `load` searches again (after the files are put in place, say).
      this.located = undefined;
      throw error;
    });
    return this.located;
  }
}

export const cifar10Dataset = defineDataset<CifarOptions>({
  name: 'cifar10',
  summary: 'CIFAR-10: 32×32×3 images in 10 classes, read from the binary .tar.gz (SHA-256 checked) or its extracted files.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: CIFAR_OPTIONS_PROPERTIES },
  create: (options, context) => new CifarDatasetSource(CIFAR10, 'default', options, context),
});

export const cifar100Dataset = defineDataset<Cifar100Options>({
  name: 'cifar100',
  summary: 'CIFAR-100: 32×32×3 images labelled by 20 super-classes (coarse) or 100 classes (fine), binary version.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...CIFAR_OPTIONS_PROPERTIES,
      labels: {
        enum: [...CIFAR100_LABEL_KINDS],
        default: 'coarse',
        description: 'coarse: the 20 super-classes used for one-class evaluation; fine: the 100 classes.',
      },
    },
  },
  create: (options, context) => new CifarDatasetSource(CIFAR100, options.labels, options, context),
});

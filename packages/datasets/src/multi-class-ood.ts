import {
  DataError,
  SpecError,
  defineProtocol,
  type AnyComponentDescriptor,
  type ComponentContext,
  type DatasetSource,
  type EvaluationProtocol,
  type EvaluationSplits,
  type ImageSet,
  type JsonSchema,
  type Split,
  type SpecProblem,
} from '@csi/core';
import { conformImageSet } from './image-conform.js';
import { selectImages } from './image-set.js';

/** A data set component by name, with its options, as written in a spec. */
export interface DatasetRef {
  name: string;
  options: Record<string, unknown>;
}

export interface OodSourceOptions extends DatasetRef {
  /** Split of the OOD data set whose images become the anomalous test images. */
  split: Split;
}

/** Exactly one of the two is set. */
export interface MultiClassOodOptions {
  /** Classes of the in-distribution data set left out of training and scored as anomalous. */
  heldOutClasses?: number[];
  /** Another data set whose images are scored as anomalous. */
  ood?: OodSourceOptions;
}

/** Creates the OOD data set named in the options. */
export type OodSourceFactory = (ref: DatasetRef) => DatasetSource;

const OPTIONS_PATH = 'protocol.options';

/**
 * Unlabelled multi-class evaluation: training uses every in-distribution train image of every
 * in-distribution class, and testing scores the in-distribution test images (normal) against
 * out-of-distribution images (anomalous). The OOD images come either from classes of the same
 * data set held out of training (`heldOutClasses`) or from a split of another data set (`ood`).
 * OOD images of another shape are converted to the in-distribution [H, W, C] by
 * `conformImageSet`, just as the OOD sets of CIFAR-10 benchmarks are resized to 32 × 32. One run
 * gives one AUROC, for one OOD set.
 */
export class MultiClassOodProtocol implements EvaluationProtocol {
  constructor(
    private readonly options: MultiClassOodOptions,
    private readonly createOodSource: OodSourceFactory,
  ) {
    const sourceCount = [options.heldOutClasses, options.ood].filter((value) => value !== undefined).length;
    if (sourceCount !== 1) {
      throw new SpecError([
        {
          path: OPTIONS_PATH,
          message:
            `set exactly one of heldOutClasses (classes of this data set scored as OOD) or ood ` +
            `(another data set, e.g. { name: cifar100 }); found ${sourceCount === 0 ? 'neither' : 'both'}`,
        },
      ]);
    }
  }

  async prepare(dataset: DatasetSource): Promise<EvaluationSplits> {
    if (this.options.heldOutClasses) return this.prepareHeldOut(dataset, this.options.heldOutClasses);
    return this.prepareOodDataset(dataset, this.options.ood as OodSourceOptions);
  }

  private async prepareHeldOut(dataset: DatasetSource, heldOut: readonly number[]): Promise<EvaluationSplits> {
    const { classNames } = dataset;
    assertHeldOutClasses(heldOut, classNames);
    const isHeldOut = new Uint8Array(classNames.length);
    for (const index of heldOut) isHeldOut[index] = 1;

    const [fullTrain, test] = await Promise.all([dataset.load('train'), dataset.load('test')]);
    const trainIndices: number[] = [];
    for (let i = 0; i < fullTrain.count; i++) {
      if (isHeldOut[fullTrain.labels[i] as number] === 0) trainIndices.push(i);
    }
    const train = selectImages(fullTrain, trainIndices);
    if (train.count === 0) {
      throw new DataError('multi-class-ood: the train split has no images outside the held-out classes, so there is nothing to train on');
    }
    const testIsNormal = new Uint8Array(test.count);
    for (let i = 0; i < test.count; i++) testIsNormal[i] = isHeldOut[test.labels[i] as number] === 1 ? 0 : 1;
    assertBothKinds(testIsNormal, 'the test split has no images of the held-out classes', 'the test split has only held-out classes');

    const inDistribution = classNames.map((_, index) => index).filter((index) => isHeldOut[index] === 0);
    return {
      train,
      test,
      testIsNormal,
      description:
        `multi-class-ood: in-distribution = ${formatClasses(inDistribution, classNames)}; ` +
        `OOD = held-out ${formatClasses(heldOut, classNames)}`,
    };
  }

  private async prepareOodDataset(dataset: DatasetSource, ood: OodSourceOptions): Promise<EvaluationSplits> {
    const oodSource = this.createOodSource(ood);
    const [train, inTest, oodSplit] = await Promise.all([dataset.load('train'), dataset.load('test'), oodSource.load(ood.split)]);
    if (oodSplit.count === 0) {
      throw new DataError(`multi-class-ood: the ${ood.split} split of the OOD data set "${ood.name}" has no images`);
    }
    if (inTest.count === 0) throw new DataError('multi-class-ood: the in-distribution test split has no images');
    const oodImages = conformImageSet(oodSplit, [inTest.height, inTest.width, inTest.channels]);
    const test = concatenateTestSets(inTest, oodImages, ood.name);
    const testIsNormal = new Uint8Array(test.count);
    testIsNormal.fill(1, 0, inTest.count);

    const converted =
      oodSplit.height === inTest.height && oodSplit.width === inTest.width && oodSplit.channels === inTest.channels
        ? ''
        : ` (converted from ${oodSplit.height}×${oodSplit.width}×${oodSplit.channels})`;
    return {
      train,
      test,
      testIsNormal,
      description:
        `multi-class-ood: in-distribution = all ${dataset.classNames.length} classes; ` +
        `OOD = ${ood.name} ${ood.split} split, ${oodSplit.count} images${converted}`,
    };
  }
}

/**
 * Joins the in-distribution test images and the OOD images into one set. OOD labels follow the
 * in-distribution classes, and their class names are prefixed with the OOD data set's name
 * (`cifar100/apple`), so the scores file distinguishes them.
 */
function concatenateTestSets(inTest: ImageSet, ood: ImageSet, oodName: string): ImageSet {
  const count = inTest.count + ood.count;
  const images = new Uint8Array(inTest.images.length + ood.images.length);
  images.set(inTest.images, 0);
  images.set(ood.images, inTest.images.length);
  const labels = new Int32Array(count);
  labels.set(inTest.labels, 0);
  const offset = inTest.classNames.length;
  for (let i = 0; i < ood.count; i++) labels[inTest.count + i] = offset + (ood.labels[i] as number);
  return {
    images,
    labels,
    count,
    height: inTest.height,
    width: inTest.width,
    channels: inTest.channels,
    classNames: [...inTest.classNames, ...ood.classNames.map((name) => `${oodName}/${name}`)],
  };
}

function assertHeldOutClasses(heldOut: readonly number[], classNames: readonly string[]): void {
  const problems: SpecProblem[] = [];
  heldOut.forEach((index, position) => {
    if (Number.isInteger(index) && index >= 0 && index < classNames.length) return;
    problems.push({
      // NOTE: the protocol cannot see where its options are in the spec file, so this path
      // assumes the runner's layout, `protocol: { name, options }`.
      path: `${OPTIONS_PATH}.heldOutClasses[${position}]`,
      message:
        `class index ${index} does not exist; the data set has ${classNames.length} classes: ` +
        formatClasses(classNames.map((_, i) => i), classNames),
    });
  });
  if (problems.length === 0 && new Set(heldOut).size >= classNames.length) {
    problems.push({
      path: `${OPTIONS_PATH}.heldOutClasses`,
      message: `holds out all ${classNames.length} classes, which leaves nothing to train on; keep at least one class in-distribution`,
    });
  }
  if (problems.length > 0) throw new SpecError(problems);
}

function assertBothKinds(testIsNormal: Uint8Array, noAnomalous: string, noNormal: string): void {
  const normal = testIsNormal.reduce((sum, value) => sum + value, 0);
  if (normal === testIsNormal.length) throw new DataError(`multi-class-ood: ${noAnomalous}, so there is nothing OOD to detect`);
  if (normal === 0) throw new DataError(`multi-class-ood: ${noNormal}, so there are no normal test images`);
}

function formatClasses(indices: readonly number[], classNames: readonly string[]): string {
  return indices.map((index) => `${index} (${classNames[index] ?? '?'})`).join(', ');
}

/** Fills the top-level defaults of a component's options schema, for callers that bypass the runner's validation. */
function withSchemaDefaults(schema: JsonSchema, options: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const filled: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    if (property.default !== undefined) filled[key] = structuredClone(property.default);
  }
  return { ...filled, ...options };
}

/**
 * Declares the `multi-class-ood` protocol with `datasets` as the data sets an `ood` option may
 * name. The OOD data set is created from its descriptor with the protocol's ComponentContext,
 * because a protocol receives only the in-distribution data set and cannot reach the registry.
 * The options schema contains each data set's own options schema, so the spec is checked and its
 * defaults filled before a run starts.
 */
// TODO: data sets that plugins register cannot be OOD sources, because a ComponentContext has no
// way to create another component. Remove the `datasets` parameter when it has one.
export function defineMultiClassOodProtocol(datasets: readonly AnyComponentDescriptor[]) {
  const byName = new Map(datasets.filter((descriptor) => descriptor.kind === 'dataset').map((descriptor) => [descriptor.name, descriptor]));
  const names = [...byName.keys()].sort();
  if (names.length === 0) throw new RangeError('defineMultiClassOodProtocol: no dataset descriptors given');

  const createSource = (context: ComponentContext): OodSourceFactory => (ref) => {
    const descriptor = byName.get(ref.name);
    if (!descriptor) {
      throw new SpecError([{ path: `${OPTIONS_PATH}.ood.name`, message: `unknown OOD data set "${ref.name}". Known: ${names.join(', ')}.` }]);
    }
    return descriptor.create(withSchemaDefaults(descriptor.optionsSchema, ref.options), context) as DatasetSource;
  };

  return defineProtocol<MultiClassOodOptions>({
    name: 'multi-class-ood',
    summary: 'Trains on every in-distribution class; tests in-distribution test images against held-out classes or another data set.',
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        heldOutClasses: {
          description: 'Classes of this data set left out of training and scored as OOD (anomalous).',
          type: 'array',
          items: { type: 'integer', minimum: 0 },
          minItems: 1,
          uniqueItems: true,
        },
        ood: {
          description: 'Another data set whose images are scored as OOD (anomalous), converted to the in-distribution shape.',
          type: 'object',
          // The first branch fills `options` and `split` before the second checks `options`
          // against the named data set's schema. One flat object would leave `options: {}`
          // unchecked, because ajv evaluates if/then before it fills the defaults of that object.
          allOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: {
                name: { enum: names },
                options: { type: 'object', default: {} },
                split: { enum: ['train', 'test'], default: 'test', description: 'Split of the OOD data set to score.' },
              },
            },
            {
              allOf: names.map((name) => ({
                if: { properties: { name: { const: name } }, required: ['name'] },
                then: { properties: { options: (byName.get(name) as AnyComponentDescriptor).optionsSchema } },
              })),
            },
          ],
        },
      },
      oneOf: [{ required: ['heldOutClasses'] }, { required: ['ood'] }],
    },
    create: (options, context) => new MultiClassOodProtocol(options, createSource(context)),
  });
}

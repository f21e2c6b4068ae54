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
import { loadTrainAndTest, selectImages } from './image-set.js';

/** A data set component by name, with its options, as written in a spec. */
export interface DatasetRef {
  name: string;
  options: Record<string, unknown>;
}

export interface OodSourceOptions extends DatasetRef {
  /** Split of the OOD data set whose images become the anomalous test images. */
  split: Split;
  /** Name of the OOD set in metric and class names (`auroc/svhn`); the data set's name by default. */
  label?: string;
}

/** At least one of the two is set; with both, each is its own OOD set. */
export interface MultiClassOodOptions {
  /** Classes of the in-distribution data set left out of training and scored as anomalous. */
  heldOutClasses?: number[];
  /** Other data sets whose images are scored as anomalous, each as its own OOD set. */
  ood?: OodSourceOptions[];
}

/** Creates the OOD data set named in the options. */
export type OodSourceFactory = (ref: DatasetRef) => DatasetSource;

const OPTIONS_PATH = 'protocol.options';

/** Name of the OOD set made of held-out classes, in metric names such as `auroc/held-out`. */
export const HELD_OUT_SET = 'held-out';

/** An OOD set before the test images are joined: its name and its images in the in-distribution shape. */
interface OodSet {
  name: string;
  /** True for the held-out classes, whose images already carry in-distribution class list labels. */
  heldOut: boolean;
  images: ImageSet;
  description: string;
}

/**
 * Multi-class evaluation: training uses every in-distribution train image of every
 * in-distribution class, and testing scores the in-distribution test images (normal) against
 * out-of-distribution images (anomalous). The OOD images come from classes of the same data set
 * held out of training (`heldOutClasses`), from a split of other data sets (`ood`), or both.
 * Each is an OOD set of its own, so the runner reports one metric per (in-distribution, OOD set)
 * pair, as Table 2 of the CSI paper does, besides the metric over all of them. OOD images of another
 * shape are converted to the in-distribution [H, W, C] by `conformImageSet`, just as the OOD
 * sets of CIFAR-10 benchmarks are resized to 32 × 32.
 *
 * Labels: the in-distribution classes are numbered 0..C−1 in their data set's order (held-out
 * classes removed), and the classes of the OOD sets follow. With `labelled`, the splits set
 * `labelledClasses` = C, so supervised losses and the linear classifier of sup-CSI may use the
 * train labels. Without it the labels only name the classes in scores.csv.
 */
export class MultiClassOodProtocol implements EvaluationProtocol {
  constructor(
    private readonly options: MultiClassOodOptions,
    private readonly createOodSource: OodSourceFactory,
    private readonly labelled = false,
  ) {
    if (options.heldOutClasses === undefined && (options.ood === undefined || options.ood.length === 0)) {
      throw new SpecError([
        {
          path: OPTIONS_PATH,
          message:
            `${this.protocolName()} needs an OOD set: set heldOutClasses (classes of this data set scored as OOD), ` +
            'ood (a list of other data sets, e.g. [{ name: mnist }]), or both',
        },
      ]);
    }
  }

  private protocolName(): string {
    return this.labelled ? 'labelled-multi-class' : 'multi-class-ood';
  }

  async prepare(dataset: DatasetSource): Promise<EvaluationSplits> {
    const { classNames } = dataset;
    const heldOut = this.options.heldOutClasses ?? [];
    assertHeldOutClasses(heldOut, classNames);
    const isHeldOut = new Uint8Array(classNames.length);
    for (const index of heldOut) isHeldOut[index] = 1;
    const inDistribution = classNames.map((_, index) => index).filter((index) => isHeldOut[index] === 0);
    // New label of each old class: in-distribution classes first, then the held-out ones.
    const newLabel = new Int32Array(classNames.length);
    [...inDistribution, ...heldOut].forEach((oldLabel, position) => {
      newLabel[oldLabel] = position;
    });

    const [fullTrain, fullTest] = await loadTrainAndTest(dataset);
    const trainIndices: number[] = [];
    for (let i = 0; i < fullTrain.count; i++) {
      if (isHeldOut[fullTrain.labels[i] as number] === 0) trainIndices.push(i);
    }
    if (trainIndices.length === 0) {
      throw new DataError(`${this.protocolName()}: the train split has no images outside the held-out classes, so there is nothing to train on`);
    }
    const orderedNames = [...inDistribution, ...heldOut].map((index) => classNames[index] as string);
    const train = relabel(selectImages(fullTrain, trainIndices), newLabel, orderedNames);
    const allTest = relabel(fullTest, newLabel, orderedNames);

    const inTestIndices: number[] = [];
    const heldOutIndices: number[] = [];
    for (let i = 0; i < allTest.count; i++) {
      (isHeldOut[fullTest.labels[i] as number] === 1 ? heldOutIndices : inTestIndices).push(i);
    }
    if (inTestIndices.length === 0) throw new DataError(`${this.protocolName()}: the in-distribution test split has no images`);
    if (heldOut.length > 0 && heldOutIndices.length === 0) {
      throw new DataError(`${this.protocolName()}: the test split has no images of the held-out classes, so there is nothing OOD to detect`);
    }

    const shape: [number, number, number] = [allTest.height, allTest.width, allTest.channels];
    const sets: OodSet[] = [];
    if (heldOut.length > 0) {
      sets.push({
        name: HELD_OUT_SET,
        heldOut: true,
        images: selectImages(allTest, heldOutIndices),
        description: `classes ${formatClasses(heldOut, classNames)}`,
      });
    }
    const sources = this.options.ood ?? [];
    // One after the other, so that of several bad OOD sets the first one's error is reported.
    for (const ood of sources) sets.push(await this.loadOodSet(ood, shape));
    const names = uniqueNames(sets.map((set) => set.name));
    sets.forEach((set, i) => {
      set.name = names[i] as string;
    });

    const inTest = selectImages(allTest, inTestIndices);
    const { test, oodSetOf } = joinTestSets(inTest, sets);
    const testIsNormal = new Uint8Array(test.count);
    testIsNormal.fill(1, 0, inTest.count);
    const inDistributionText =
      heldOut.length > 0 ? formatClasses(inDistribution, classNames) : `all ${classNames.length} classes`;
    return {
      train,
      test,
      testIsNormal,
      description:
        `${this.protocolName()}: in-distribution = ${inDistributionText}; ` +
        `OOD = ${sets.map((set) => `${set.name}: ${set.description}`).join('; ')}`,
      ...(this.labelled ? { labelledClasses: inDistribution.length } : {}),
      oodSets: { names: sets.map((set) => set.name), ofImage: oodSetOf },
    };
  }

  private async loadOodSet(ood: OodSourceOptions, shape: [number, number, number]): Promise<OodSet> {
    const source = this.createOodSource(ood);
    const split = await source.load(ood.split);
    if (split.count === 0) {
      throw new DataError(`${this.protocolName()}: the ${ood.split} split of the OOD data set "${ood.name}" has no images`);
    }
    const [height, width, channels] = shape;
    const converted =
      split.height === height && split.width === width && split.channels === channels
        ? ''
        : ` (converted from ${split.height}×${split.width}×${split.channels})`;
    return {
      name: ood.label ?? ood.name,
      heldOut: false,
      images: conformImageSet(split, shape),
      description: `${ood.split} split, ${split.count} images${converted}`,
    };
  }
}

/** Renumbers the labels of `set` through `newLabel` (old → new) and names the classes in the new order. */
function relabel(set: ImageSet, newLabel: Int32Array, classNames: readonly string[]): ImageSet {
  return { ...set, labels: set.labels.map((label) => newLabel[label] as number), classNames };
}

/** Appends `#2`, `#3`, ... to names that occur more than once, so that each metric name is unique. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}#${count}`;
  });
}

/**
 * Joins the in-distribution test images and the images of each OOD set into one set, in that
 * order, and returns the OOD set of each image (-1 for in-distribution images). The classes of an
 * OOD set follow those before it, and those of a data set OOD set are prefixed with its name
 * (`cifar100/apple`), so the scores file distinguishes them. The held-out classes keep their
 * names: `inTest` already numbers them after the in-distribution classes.
 */
function joinTestSets(inTest: ImageSet, sets: readonly OodSet[]): { test: ImageSet; oodSetOf: Int32Array } {
  const count = inTest.count + sets.reduce((sum, set) => sum + set.images.count, 0);
  const imageSize = inTest.height * inTest.width * inTest.channels;
  const images = new Uint8Array(count * imageSize);
  const labels = new Int32Array(count);
  const oodSetOf = new Int32Array(count).fill(-1);
  images.set(inTest.images, 0);
  labels.set(inTest.labels, 0);
  const classNames = [...inTest.classNames];
  let offset = inTest.count;
  sets.forEach((set, index) => {
    const labelOffset = set.heldOut ? 0 : classNames.length;
    if (!set.heldOut) classNames.push(...set.images.classNames.map((name) => `${set.name}/${name}`));
    images.set(set.images.images, offset * imageSize);
    for (let i = 0; i < set.images.count; i++) labels[offset + i] = labelOffset + (set.images.labels[i] as number);
    oodSetOf.fill(index, offset, offset + set.images.count);
    offset += set.images.count;
  });
  return {
    test: { images, labels, count, height: inTest.height, width: inTest.width, channels: inTest.channels, classNames },
    oodSetOf,
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
 * Declares the `multi-class-ood` protocol, or with `labelled` the `labelled-multi-class`
 * protocol (the same splits, with the train labels handed to training), with `datasets` as the
 * data sets an `ood` entry may name. An OOD data set is created from its descriptor with the
 * protocol's ComponentContext, because a protocol receives only the in-distribution data set and
 * cannot reach the registry. The options schema contains each data set's own options schema, so
 * the spec is checked and its defaults filled before a run starts.
 */
// TODO: data sets that plugins register cannot be OOD sources, because a ComponentContext has no
// way to create another component. Remove the `datasets` parameter when it has one.
export function defineMultiClassOodProtocol(datasets: readonly AnyComponentDescriptor[], { labelled = false } = {}) {
  const byName = new Map(datasets.filter((descriptor) => descriptor.kind === 'dataset').map((descriptor) => [descriptor.name, descriptor]));
  const names = [...byName.keys()].sort();
  if (names.length === 0) throw new RangeError('defineMultiClassOodProtocol: no dataset descriptors given');

  const createSource = (context: ComponentContext): OodSourceFactory => (ref) => {
    const descriptor = byName.get(ref.name);
    if (!descriptor) {
      throw new SpecError([{ path: `${OPTIONS_PATH}.ood`, message: `unknown OOD data set "${ref.name}". Known: ${names.join(', ')}.` }]);
    }
    return descriptor.create(withSchemaDefaults(descriptor.optionsSchema, ref.options), context) as DatasetSource;
  };

  return defineProtocol<MultiClassOodOptions>({
    name: labelled ? 'labelled-multi-class' : 'multi-class-ood',
    ...(labelled ? { classLabels: 'provided' as const } : {}),
    summary: labelled
      ? 'Trains with the class labels of every in-distribution class (sup-CSI, SupCLR); tests against held-out classes and other data sets.'
      : 'Trains on every in-distribution class; tests in-distribution test images against held-out classes and other data sets.',
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        heldOutClasses: {
          description: 'Classes of this data set left out of training and scored as one OOD set (anomalous).',
          type: 'array',
          items: { type: 'integer', minimum: 0 },
          minItems: 1,
          uniqueItems: true,
        },
        ood: {
          description:
            'Other data sets scored as OOD (anomalous), each its own OOD set: a list of { name, options, split (test), label }. ' +
            'Set heldOutClasses, ood or both.',
          type: 'array',
          minItems: 1,
          items: {
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
                  label: {
                    type: 'string',
                    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
                    description: 'Name of this OOD set in metric names (auroc/<label>); the data set name by default.',
                  },
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
      },
      anyOf: [{ required: ['heldOutClasses'] }, { required: ['ood'] }],
    },
    create: (options, context) => new MultiClassOodProtocol(options, createSource(context), labelled),
  });
}

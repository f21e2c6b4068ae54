import {
  DataError,
  SpecError,
  defineProtocol,
  type DatasetSource,
  type EvaluationProtocol,
  type EvaluationSplits,
  type ImageSet,
  type SpecProblem,
} from '@csi/core';
import { countPerClass, loadTrainAndTest, selectImages } from './image-set.js';

export interface OneClassOptions {
  /** Class indices treated as normal; every other class of the test split is anomalous. */
  normalClasses: number[];
}

/**
 * One-class evaluation. Training uses the train images of the normal classes. Scoring uses the
 * whole test split, where images of the normal classes are normal and all others anomalous.
 */
export class OneClassProtocol implements EvaluationProtocol {
  constructor(private readonly options: OneClassOptions) {}

  async prepare(dataset: DatasetSource): Promise<EvaluationSplits> {
    const { classNames } = dataset;
    const normalClasses = this.options.normalClasses;
    assertClassIndices(normalClasses, classNames);

    const [fullTrain, test] = await loadTrainAndTest(dataset);
    const isNormalClass = new Uint8Array(classNames.length);
    for (const index of normalClasses) isNormalClass[index] = 1;

    assertNormalClassesHaveImages(fullTrain, normalClasses);
    const trainIndices: number[] = [];
    for (let i = 0; i < fullTrain.count; i++) {
      if (isNormalClass[fullTrain.labels[i] as number] === 1) trainIndices.push(i);
    }
    const train = selectImages(fullTrain, trainIndices);

    const testIsNormal = new Uint8Array(test.count);
    for (let i = 0; i < test.count; i++) testIsNormal[i] = isNormalClass[test.labels[i] as number] ?? 0;

    return { train, test, testIsNormal, description: describeOneClass(normalClasses, classNames) };
  }
}

/** `one-class: normal = 0 (T-shirt/top), 2 (Pullover)`. */
export function describeOneClass(normalClasses: readonly number[], classNames: readonly string[]): string {
  const names = normalClasses.map((index) => `${index} (${classNames[index] ?? '?'})`).join(', ');
  return `one-class: normal = ${names}`;
}

function listClasses(classNames: readonly string[]): string {
  return classNames.map((name, index) => `${index} (${name})`).join(', ');
}

function assertClassIndices(normalClasses: readonly number[], classNames: readonly string[]): void {
  const problems: SpecProblem[] = [];
  normalClasses.forEach((index, position) => {
    if (Number.isInteger(index) && index >= 0 && index < classNames.length) return;
    problems.push({
      // NOTE: the protocol cannot see where its options are in the spec file, so this path
      // assumes the runner's layout, `protocol: { name, options }`.
      path: `protocol.options.normalClasses[${position}]`,
      message:
        `class index ${index} does not exist; the data set has ${classNames.length} classes: ` +
        `${listClasses(classNames)}`,
    });
  });
  if (problems.length > 0) throw new SpecError(problems);
}

function assertNormalClassesHaveImages(train: ImageSet, normalClasses: readonly number[]): void {
  const counts = countPerClass(train);
  const empty = normalClasses.filter((index) => (counts[index] ?? 0) === 0);
  if (empty.length === 0) return;
  const available = counts
    .map((count, index) => ({ count, index }))
    .filter(({ count }) => count > 0)
    .map(({ count, index }) => `${index} (${train.classNames[index]}): ${count}`)
    .join(', ');
  const subject = empty.length === 1 ? 'normal class' : 'normal classes';
  const verb = empty.length === 1 ? 'has' : 'have';
  throw new DataError(
    `one-class: ${subject} ${empty.map((index) => `${index} (${train.classNames[index]})`).join(', ')} ` +
      `${verb} no images in the train split, so there is nothing to train on. ` +
      `Choose normalClasses among the classes with train images: ${available || 'none'}.`,
  );
}

export const oneClassProtocol = defineProtocol<OneClassOptions>({
  name: 'one-class',
  summary: 'Trains on the train images of the normal classes; tests on the whole test split, other classes anomalous.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      normalClasses: {
        type: 'array',
        items: { type: 'integer', minimum: 0 },
        minItems: 1,
        uniqueItems: true,
        default: [0],
      },
    },
  },
  create: (options) => new OneClassProtocol(options),
});

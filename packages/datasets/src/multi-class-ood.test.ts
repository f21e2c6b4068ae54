import {
  DataError,
  SpecError,
  createSilentLogger,
  defineDataset,
  type DatasetSource,
  type ImageSet,
  type Split,
} from '@csi/core';
import { describe, expect, it } from 'vitest';
import { defineMultiClassOodProtocol, MultiClassOodProtocol, type DatasetRef } from './multi-class-ood.js';

// 1×1×1 images whose pixel is 10 × their index, so a selection can be read back from pixels.
function makeSet(labels: number[], classNames: string[], pixelBase = 0): ImageSet {
  return {
    images: Uint8Array.from(labels, (_, i) => pixelBase + 10 * i),
    labels: Int32Array.from(labels),
    count: labels.length,
    height: 1,
    width: 1,
    channels: 1,
    classNames,
  };
}

function makeSource(sets: Record<Split, ImageSet>): DatasetSource {
  const first = sets.train;
  return { classNames: first.classNames, imageShape: [first.height, first.width, first.channels], load: async (split) => sets[split] };
}

const NAMES = ['a', 'b', 'c'];
const inDistribution = makeSource({ train: makeSet([0, 1, 2, 0, 2], NAMES), test: makeSet([2, 0, 1, 1], NAMES) });

function noOodSource(): never {
  throw new Error('no OOD data set expected');
}

async function expectError<T>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe('MultiClassOodProtocol with held-out classes', () => {
  it('trains without the held-out classes and scores them as OOD', async () => {
    const splits = await new MultiClassOodProtocol({ heldOutClasses: [2] }, noOodSource).prepare(inDistribution);
    expect(splits.train.count).toBe(3);
    expect([...splits.train.images]).toEqual([0, 10, 30]);
    expect([...splits.train.labels]).toEqual([0, 1, 0]);
    // Test images 1, 2, 3 are in-distribution and come first; image 0 (class c) is the OOD set.
    expect(splits.test.count).toBe(4);
    expect([...splits.test.images]).toEqual([10, 20, 30, 0]);
    expect([...splits.test.labels]).toEqual([0, 1, 1, 2]);
    expect([...splits.testIsNormal]).toEqual([1, 1, 1, 0]);
    expect(splits.oodSets?.names).toEqual(['held-out']);
    expect([...(splits.oodSets?.ofImage ?? [])]).toEqual([-1, -1, -1, 0]);
    expect(splits.labelledClasses).toBeUndefined();
    expect(splits.description).toBe('multi-class-ood: in-distribution = 0 (a), 1 (b); OOD = held-out: classes 2 (c)');
  });

  it('numbers the in-distribution classes first when it holds out a middle class', async () => {
    const splits = await new MultiClassOodProtocol({ heldOutClasses: [1] }, noOodSource, true).prepare(inDistribution);
    // Old labels a=0, b=1, c=2 become a=0, c=1, and the held-out b=2.
    expect(splits.train.classNames).toEqual(['a', 'c', 'b']);
    expect([...splits.train.labels]).toEqual([0, 1, 0, 1]);
    expect([...splits.test.labels]).toEqual([1, 0, 2, 2]);
    expect([...splits.testIsNormal]).toEqual([1, 1, 0, 0]);
    expect(splits.labelledClasses).toBe(2);
    expect(splits.description).toMatch(/^labelled-multi-class: in-distribution = 0 \(a\), 2 \(c\); OOD = held-out: classes 1 \(b\)$/);
  });

  it('holds out several classes', async () => {
    const splits = await new MultiClassOodProtocol({ heldOutClasses: [1, 2] }, noOodSource).prepare(inDistribution);
    expect([...splits.train.labels]).toEqual([0, 0]);
    expect([...splits.testIsNormal]).toEqual([1, 0, 0, 0]);
  });

  it('rejects class indices out of range', async () => {
    const error = await expectError(new MultiClassOodProtocol({ heldOutClasses: [1, 7] }, noOodSource).prepare(inDistribution), SpecError);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toBe('protocol.options.heldOutClasses[1]');
    expect(error.problems[0]?.message).toBe('class index 7 does not exist; the data set has 3 classes: 0 (a), 1 (b), 2 (c)');
  });

  it('rejects holding out every class', async () => {
    const error = await expectError(new MultiClassOodProtocol({ heldOutClasses: [0, 1, 2] }, noOodSource).prepare(inDistribution), SpecError);
    expect(error.problems[0]?.path).toBe('protocol.options.heldOutClasses');
    expect(error.problems[0]?.message).toContain('holds out all 3 classes, which leaves nothing to train on');
  });

  it('rejects a test split without held-out images', async () => {
    const source = makeSource({ train: makeSet([0, 1, 2], NAMES), test: makeSet([0, 1], NAMES) });
    const error = await expectError(new MultiClassOodProtocol({ heldOutClasses: [2] }, noOodSource).prepare(source), DataError);
    expect(error.message).toBe('multi-class-ood: the test split has no images of the held-out classes, so there is nothing OOD to detect');
  });
});

describe('MultiClassOodProtocol with another data set', () => {
  // OOD images are 2×2 RGB, one colour each: (200, 100, 50) has luma 124.2, (0, 0, 255) has luma 29.07.
  const oodTest: ImageSet = {
    images: Uint8Array.from([...new Array(4).fill([200, 100, 50]).flat(), ...new Array(4).fill([0, 0, 255]).flat()]),
    labels: Int32Array.from([1, 0]),
    count: 2,
    height: 2,
    width: 2,
    channels: 3,
    classNames: ['x', 'y'],
  };
  const oodTrain: ImageSet = { ...oodTest, images: new Uint8Array(3 * 12), labels: new Int32Array(3), count: 3 };

  function recordingFactory() {
    const refs: DatasetRef[] = [];
    const factory = (ref: DatasetRef) => {
      refs.push(ref);
      return makeSource({ train: oodTrain, test: oodTest });
    };
    return { refs, factory };
  }

  it('appends converted OOD images after the in-distribution test images', async () => {
    const { refs, factory } = recordingFactory();
    const ood = { name: 'other', options: { size: 3 }, split: 'test' as const };
    const splits = await new MultiClassOodProtocol({ ood: [ood] }, factory).prepare(inDistribution);

    expect(refs).toEqual([ood]);
    expect(splits.train.count).toBe(5);
    expect(splits.test.count).toBe(6);
    expect([splits.test.height, splits.test.width, splits.test.channels]).toEqual([1, 1, 1]);
    expect([...splits.test.images]).toEqual([0, 10, 20, 30, 124, 29]);
    expect([...splits.test.labels]).toEqual([2, 0, 1, 1, 4, 3]);
    expect(splits.test.classNames).toEqual(['a', 'b', 'c', 'other/x', 'other/y']);
    expect([...splits.testIsNormal]).toEqual([1, 1, 1, 1, 0, 0]);
    expect(splits.description).toBe(
      'multi-class-ood: in-distribution = all 3 classes; OOD = other: test split, 2 images (converted from 2×2×3)',
    );
    expect(splits.oodSets?.names).toEqual(['other']);
    expect([...(splits.oodSets?.ofImage ?? [])]).toEqual([-1, -1, -1, -1, 0, 0]);
  });

  it('numbers and names several OOD sets', async () => {
    const { factory } = recordingFactory();
    const ood = { name: 'other', options: {}, split: 'test' as const };
    const splits = await new MultiClassOodProtocol({ heldOutClasses: [2], ood: [ood, { ...ood, split: 'train' }] }, factory).prepare(inDistribution);
    // In-distribution test images 1, 2, 3; then held-out image 0; then 2 test and 3 train OOD images.
    expect(splits.test.count).toBe(3 + 1 + 2 + 3);
    expect(splits.oodSets?.names).toEqual(['held-out', 'other', 'other#2']);
    const labelled = await new MultiClassOodProtocol({ ood: [ood, { ...ood, label: 'svhn' }] }, factory).prepare(inDistribution);
    expect(labelled.oodSets?.names).toEqual(['other', 'svhn']);
    expect(labelled.test.classNames.slice(3)).toEqual(['other/x', 'other/y', 'svhn/x', 'svhn/y']);
    expect([...(splits.oodSets?.ofImage ?? [])]).toEqual([-1, -1, -1, 0, 1, 1, 2, 2, 2]);
    expect([...splits.testIsNormal]).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(splits.test.classNames).toEqual(['a', 'b', 'c', 'other/x', 'other/y', 'other#2/x', 'other#2/y']);
    // other/x = 3, other/y = 4; the train split of the second set has label 0 (x), so other#2/x = 5.
    expect([...splits.test.labels]).toEqual([0, 1, 1, 2, 4, 3, 5, 5, 5]);
  });

  it('reads the OOD split the options name', async () => {
    const { factory } = recordingFactory();
    const splits = await new MultiClassOodProtocol({ ood: [{ name: 'other', options: {}, split: 'train' }] }, factory).prepare(inDistribution);
    expect(splits.test.count).toBe(4 + 3);
    expect([...splits.testIsNormal.subarray(4)]).toEqual([0, 0, 0]);
  });

  it('requires an OOD set', () => {
    const create = (options: object) => () => new MultiClassOodProtocol(options, noOodSource);
    expect(create({})).toThrow(SpecError);
    expect(create({})).toThrow('protocol.options: multi-class-ood needs an OOD set: set heldOutClasses');
    expect(create({ ood: [] })).toThrow('needs an OOD set');
  });
});

describe('defineMultiClassOodProtocol', () => {
  interface StubOptions {
    side: number;
    label: string;
  }
  const created: StubOptions[] = [];
  const stubDataset = defineDataset<StubOptions>({
    name: 'stub',
    summary: 'A stand-in data set.',
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { side: { type: 'integer', default: 1 }, label: { type: 'string', default: 'q' } },
    },
    create: (options) => {
      created.push(options);
      return makeSource({ train: makeSet([0], ['q']), test: makeSet([0, 0], ['q'], 100) });
    },
  });
  const protocol = defineMultiClassOodProtocol([stubDataset]);
  const context = { logger: createSilentLogger(), cacheDir: '/nonexistent' };

  it('creates the OOD data set from its descriptor with defaults filled', async () => {
    const instance = protocol.create({ ood: [{ name: 'stub', options: { label: 'r' }, split: 'test' }] }, context);
    const splits = await instance.prepare(inDistribution);
    expect(created).toEqual([{ side: 1, label: 'r' }]);
    expect([...splits.test.images.subarray(4)]).toEqual([100, 110]);
  });

  it('embeds each data set schema under its name', () => {
    const schema = protocol.optionsSchema as {
      properties: {
        ood: { items: { allOf: [{ properties: { name: { enum: string[] } } }, { allOf: { then: { properties: { options: unknown } } }[] }] } };
      };
    };
    const [shape, branches] = schema.properties.ood.items.allOf;
    expect(shape.properties.name.enum).toEqual(['stub']);
    expect(branches.allOf[0]?.then.properties.options).toBe(stubDataset.optionsSchema);
  });

  it('rejects an unknown OOD data set at prepare time', async () => {
    const instance = protocol.create({ ood: [{ name: 'nope', options: {}, split: 'test' }] }, context);
    const error = await expectError(instance.prepare(inDistribution), SpecError);
    expect(error.problems[0]).toEqual({ path: 'protocol.options.ood', message: 'unknown OOD data set "nope". Known: stub.' });
  });
});

import { DataError, SpecError, type DatasetSource, type ImageSet, type Split } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { OneClassProtocol, oneClassProtocol } from './one-class.js';

// 1×1×1 images whose pixel is 10 × their index, so a selection can be read back from pixels.
function makeSet(labels: number[], classNames: string[]): ImageSet {
  return {
    images: Uint8Array.from(labels, (_, i) => 10 * i),
    labels: Int32Array.from(labels),
    count: labels.length,
    height: 1,
    width: 1,
    channels: 1,
    classNames,
  };
}

function makeSource(train: number[], test: number[], classNames = ['a', 'b', 'c']): DatasetSource {
  const sets: Record<Split, ImageSet> = { train: makeSet(train, classNames), test: makeSet(test, classNames) };
  return { classNames, imageShape: [1, 1, 1], load: async (split) => sets[split] };
}

describe('OneClassProtocol', () => {
  const source = makeSource([0, 1, 2, 0, 1], [2, 0, 1, 1]);

  it('trains on the normal class only', async () => {
    const splits = await new OneClassProtocol({ normalClasses: [0] }).prepare(source);
    expect(splits.train.count).toBe(2);
    expect([...splits.train.images]).toEqual([0, 30]);
    expect([...splits.train.labels]).toEqual([0, 0]);
    expect(splits.test.count).toBe(4);
    expect([...splits.testIsNormal]).toEqual([0, 1, 0, 0]);
    expect(splits.description).toBe('one-class: normal = 0 (a)');
  });

  it('accepts several normal classes', async () => {
    const splits = await new OneClassProtocol({ normalClasses: [2, 1] }).prepare(source);
    expect([...splits.train.images]).toEqual([10, 20, 40]);
    expect([...splits.testIsNormal]).toEqual([1, 0, 1, 1]);
    expect(splits.description).toBe('one-class: normal = 2 (c), 1 (b)');
  });

  it('rejects class indices out of range', async () => {
    const error = await new OneClassProtocol({ normalClasses: [0, 5, 7] }).prepare(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    const { problems } = error as SpecError;
    expect(problems.map((problem) => problem.path)).toEqual(['protocol.options.normalClasses[1]', 'protocol.options.normalClasses[2]']);
    expect(problems[0]?.message).toBe('class index 5 does not exist; the data set has 3 classes: 0 (a), 1 (b), 2 (c)');
    expect(problems[1]?.message).toContain('class index 7 does not exist');
  });

  it('rejects a normal class without train images', async () => {
    const sparse = makeSource([0, 1, 0], [3, 0], ['a', 'b', 'c', 'd']);
    const error = await new OneClassProtocol({ normalClasses: [3] }).prepare(sparse).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    const { message } = error as DataError;
    expect(message).toContain('one-class: normal class 3 (d) has no images in the train split');
    expect(message).toContain('Choose normalClasses among the classes with train images: 0 (a): 2, 1 (b): 1.');
  });
});

describe('oneClassProtocol descriptor', () => {
  it('defaults to class 0 and needs one class', () => {
    const schema = oneClassProtocol.optionsSchema as { properties: { normalClasses: Record<string, unknown> } };
    expect(oneClassProtocol.kind).toBe('protocol');
    expect(oneClassProtocol.name).toBe('one-class');
    expect(schema.properties.normalClasses.default).toEqual([0]);
    expect(schema.properties.normalClasses.minItems).toBe(1);
  });
});

describe('OneClassProtocol with two bad splits', () => {
  it('reports the train split error', async () => {
    // The test split fails at once and the train split later, so loading both at once would report the test error.
    const source: DatasetSource = {
      classNames: ['a'],
      imageShape: [1, 1, 1],
      load: (split) =>
        split === 'train'
          ? new Promise((_, reject) => setTimeout(() => reject(new DataError('bad train file')), 20))
          : Promise.reject(new DataError('bad test file')),
    };
    await expect(new OneClassProtocol({ normalClasses: [0] }).prepare(source)).rejects.toThrow('bad train file');
  });
});

import { RandomSource, type ImageSet } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { drawStratifiedIndices, limitImages, limitSplits, limitTestImages } from './limit.js';

// 1×1×1 images whose pixel is their index, so the selected indices can be read from the pixels.
function makeSet(count: number, labelOf: (i: number) => number = () => 0): ImageSet {
  return {
    images: Uint8Array.from({ length: count }, (_, i) => i),
    labels: Int32Array.from({ length: count }, (_, i) => labelOf(i)),
    count,
    height: 1,
    width: 1,
    channels: 1,
    classNames: ['a', 'b'],
  };
}

describe('limitImages', () => {
  it('returns the set when no cap applies', () => {
    const set = makeSet(5);
    expect(limitImages(set, null, RandomSource.fromSeed(1))).toBe(set);
    expect(limitImages(set, 5, RandomSource.fromSeed(1))).toBe(set);
  });

  it('draws distinct images in original order', () => {
    const limited = limitImages(makeSet(10, (i) => i % 2), 4, RandomSource.fromSeed(3));
    const picked = [...limited.images];
    expect(limited.count).toBe(4);
    expect(new Set(picked).size).toBe(4);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
    expect([...limited.labels]).toEqual(picked.map((i) => i % 2));
  });

  it('depends only on the seed', () => {
    const first = limitImages(makeSet(50), 10, RandomSource.fromSeed(7));
    const second = limitImages(makeSet(50), 10, RandomSource.fromSeed(7));
    expect([...first.images]).toEqual([...second.images]);
    const others = [8, 9, 10].map((seed) => [...limitImages(makeSet(50), 10, RandomSource.fromSeed(seed)).images]);
    expect(others.some((picked) => picked.join() !== [...first.images].join())).toBe(true);
  });

  it('draws each image about equally often', () => {
    // 4000 draws of 1 out of 4: each count is Binomial(4000, 1/4), mean 1000, sd ≈ 27.4.
    const random = RandomSource.fromSeed(11);
    const counts = [0, 0, 0, 0];
    for (let draw = 0; draw < 4000; draw++) {
      const index = limitImages(makeSet(4), 1, random).images[0] as number;
      counts[index] = (counts[index] ?? 0) + 1;
    }
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(130);
  });

  it('rejects a cap that is not a positive integer', () => {
    expect(() => limitImages(makeSet(5), 0, RandomSource.fromSeed(1))).toThrow(RangeError);
    expect(() => limitImages(makeSet(5), 2.5, RandomSource.fromSeed(1))).toThrow('got 2.5');
  });
});

describe('limitTestImages', () => {
  it('keeps the normal share', () => {
    const set = makeSet(100, (i) => (i < 10 ? 0 : 1));
    const testIsNormal = Uint8Array.from({ length: 100 }, (_, i) => (i < 10 ? 1 : 0));
    const { test, testIsNormal: flags } = limitTestImages(set, testIsNormal, 20, RandomSource.fromSeed(5));
    expect(test.count).toBe(20);
    expect(flags.reduce((sum, flag) => sum + flag, 0)).toBe(2);
    // Flags stay aligned with their images: image i is normal exactly when i < 10.
    expect([...flags]).toEqual([...test.images].map((i) => (i < 10 ? 1 : 0)));
  });

  it('keeps one normal image of a rare class', () => {
    const testIsNormal = Uint8Array.from({ length: 100 }, (_, i) => (i < 3 ? 1 : 0));
    const { testIsNormal: flags } = limitTestImages(makeSet(100), testIsNormal, 5, RandomSource.fromSeed(2));
    expect(flags.reduce((sum, flag) => sum + flag, 0)).toBe(1);
    expect(flags.length).toBe(5);
  });

  it('rejects flags of another length', () => {
    expect(() => limitTestImages(makeSet(4), new Uint8Array(3), 2, RandomSource.fromSeed(1))).toThrow(
      'testIsNormal has 3 entries for 4 images',
    );
  });
});

describe('drawStratifiedIndices', () => {
  it('apportions by largest remainder', () => {
    // Group sizes 5, 3, 2 and 5 draws: exact shares 2.5, 1.5, 1.0; the tie goes to group 0.
    const groups = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2];
    const indices = drawStratifiedIndices(groups, 5, RandomSource.fromSeed(4));
    const perGroup = [0, 0, 0];
    for (const index of indices) perGroup[groups[index] as number]! += 1;
    expect(perGroup).toEqual([3, 1, 1]);
    expect([...indices]).toEqual([...indices].sort((a, b) => a - b));
  });

  it('returns every index when the cap is large', () => {
    expect([...drawStratifiedIndices([1, 0, 1], 5, RandomSource.fromSeed(1))]).toEqual([0, 1, 2]);
  });
});

describe('limitSplits', () => {
  it('caps train and test', () => {
    const splits = {
      train: makeSet(30),
      test: makeSet(40),
      testIsNormal: Uint8Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0)),
      description: 'one-class: normal = 0 (a)',
    };
    const limited = limitSplits(splits, { maxTrainImages: 6, maxTestImages: 8 }, RandomSource.fromSeed(9));
    expect(limited.train.count).toBe(6);
    expect(limited.test.count).toBe(8);
    expect(limited.testIsNormal.reduce((sum, flag) => sum + flag, 0)).toBe(2);
    expect(limited.description).toBe(splits.description);
  });

  it('keeps each OOD set share', () => {
    // 20 normal images, then 10 of OOD set 0 and 10 of OOD set 1: a cap of 20 keeps 10, 5 and 5.
    const ofImage = Int32Array.from([...new Array(20).fill(-1), ...new Array(10).fill(0), ...new Array(10).fill(1)]);
    const splits = {
      train: makeSet(30),
      test: makeSet(40),
      testIsNormal: Uint8Array.from(ofImage, (set) => (set === -1 ? 1 : 0)),
      description: 'multi-class-ood',
      oodSets: { names: ['held-out', 'mnist'], ofImage },
    };
    const limited = limitSplits(splits, { maxTrainImages: null, maxTestImages: 20 }, RandomSource.fromSeed(3));
    const kept = limited.oodSets?.ofImage ?? new Int32Array();
    expect(limited.test.count).toBe(20);
    expect(kept).toHaveLength(20);
    expect([-1, 0, 1].map((set) => kept.filter((value) => value === set).length)).toEqual([10, 5, 5]);
    // Each kept image still carries its own set: makeSet's pixel i is i, so it names the original index.
    for (let j = 0; j < 20; j++) {
      const original = limited.test.images[j * limited.test.height * limited.test.width * limited.test.channels] as number;
      expect(kept[j]).toBe(ofImage[original]);
      expect(limited.testIsNormal[j]).toBe(original < 20 ? 1 : 0);
    }
    expect(limited.oodSets?.names).toEqual(['held-out', 'mnist']);
  });
});

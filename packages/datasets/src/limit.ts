import type { EvaluationSplits, ImageSet, RandomSource } from '@csi/core';
import { selectImages } from './image-set.js';

/**
 * Returns at most `max` images of `set`, drawn uniformly without replacement and kept in their
 * original order. Returns `set` itself when `max` is null or not below `set.count`.
 */
export function limitImages(set: ImageSet, max: number | null, random: RandomSource): ImageSet {
  if (max === null || max >= set.count) return set;
  assertLimit('limitImages', max);
  return selectImages(set, sortAscending(drawWithoutReplacement(range(set.count), max, random)));
}

/**
 * Returns at most `max` test images with their normal flags, drawn so that the share of normal
 * images stays as in the full set (a stratified draw, see `drawStratifiedIndices`).
 */
export function limitTestImages(
  set: ImageSet,
  testIsNormal: Uint8Array,
  max: number | null,
  random: RandomSource,
): { test: ImageSet; testIsNormal: Uint8Array } {
  const indices = drawTestIndices('limitTestImages', { name: 'testIsNormal', groups: testIsNormal }, set.count, max, random);
  if (!indices) return { test: set, testIsNormal };
  return { test: selectImages(set, indices), testIsNormal: Uint8Array.from(indices, (i) => testIsNormal[i] as number) };
}

/**
 * Caps the train images (uniform draw) and the test images, stratified by normal/anomalous, or
 * by OOD set when the splits have several, so that every OOD set keeps its share.
 */
export function limitSplits(
  splits: EvaluationSplits,
  limits: { maxTrainImages: number | null; maxTestImages: number | null },
  random: RandomSource,
): EvaluationSplits {
  const train = limitImages(splits.train, limits.maxTrainImages, random);
  if (!splits.oodSets) {
    const { test, testIsNormal } = limitTestImages(splits.test, splits.testIsNormal, limits.maxTestImages, random);
    return { ...splits, train, test, testIsNormal };
  }
  const { ofImage, names } = splits.oodSets;
  // Group 0 is the normal images, group g + 1 the images of OOD set g.
  const groups = { name: 'oodSets.ofImage', groups: Int32Array.from(ofImage, (set) => set + 1) };
  const indices = drawTestIndices('limitSplits', groups, splits.test.count, limits.maxTestImages, random);
  if (!indices) return { ...splits, train };
  return {
    ...splits,
    train,
    test: selectImages(splits.test, indices),
    testIsNormal: Uint8Array.from(indices, (i) => splits.testIsNormal[i] as number),
    oodSets: { names, ofImage: Int32Array.from(indices, (i) => ofImage[i] as number) },
  };
}

/**
 * Checks that `stratum.groups` has one entry per test image and draws at most `max` of the
 * `count` images stratified by it. Returns undefined when the cap keeps every image.
 */
function drawTestIndices(
  functionName: string,
  stratum: { name: string; groups: ArrayLike<number> },
  count: number,
  max: number | null,
  random: RandomSource,
): Int32Array | undefined {
  if (stratum.groups.length !== count) {
    throw new RangeError(`${functionName}: ${stratum.name} has ${stratum.groups.length} entries for ${count} images`);
  }
  if (max === null || max >= count) return undefined;
  assertLimit(functionName, max);
  return drawStratifiedIndices(stratum.groups, max, random);
}

/**
 * Draws `max` item indices stratified by `groups` (a group id per item), sorted ascending. Each
 * group gets `max · size / total` items, rounded by largest remainder. When `max` is at least the
 * number of groups, every group keeps at least one item, so a small test set still has both normal
 * and anomalous images.
 */
export function drawStratifiedIndices(groups: ArrayLike<number>, max: number, random: RandomSource): Int32Array {
  assertLimit('drawStratifiedIndices', max);
  const members = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as number;
    const list = members.get(group);
    if (list) list.push(i);
    else members.set(group, [i]);
  }
  if (max >= groups.length) return Int32Array.from(range(groups.length));

  const ids = [...members.keys()].sort((a, b) => a - b);
  const quotas = allocateQuotas(
    ids.map((id) => (members.get(id) as number[]).length),
    max,
  );
  const drawn: number[] = [];
  ids.forEach((id, g) => {
    // A loop rather than push(...items): spreading tens of thousands of arguments can overflow the stack.
    for (const index of drawWithoutReplacement(members.get(id) as number[], quotas[g] as number, random)) {
      drawn.push(index);
    }
  });
  return Int32Array.from(sortAscending(drawn));
}

// Largest-remainder apportionment of `max` over groups of the given sizes (all sizes > 0).
function allocateQuotas(sizes: readonly number[], max: number): number[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const exact = sizes.map((size) => (max * size) / total);
  const quotas = exact.map(Math.floor);
  let left = max - quotas.reduce((sum, quota) => sum + quota, 0);
  const byRemainder = exact.map((value, g) => ({ g, remainder: value - Math.floor(value) }));
  byRemainder.sort((a, b) => b.remainder - a.remainder || a.g - b.g);
  for (const { g } of byRemainder) {
    if (left === 0) break;
    quotas[g] = (quotas[g] as number) + 1;
    left--;
  }
  if (max >= sizes.length) {
    // Move one item from the largest quota to each group left empty by rounding.
    for (let g = 0; g < quotas.length; g++) {
      if (quotas[g] !== 0) continue;
      const donor = quotas.indexOf(Math.max(...quotas));
      quotas[donor] = (quotas[donor] as number) - 1;
      quotas[g] = 1;
    }
  }
  return quotas;
}

// Partial Fisher-Yates: the first `count` entries of a shuffled copy of `items`.
function drawWithoutReplacement(items: readonly number[], count: number, random: RandomSource): number[] {
  const pool = [...items];
  for (let i = 0; i < count; i++) {
    const j = random.integer(i, pool.length - 1);
    const swap = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = swap;
  }
  return pool.slice(0, count);
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

function sortAscending(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

function assertLimit(functionName: string, max: number): void {
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(
      `${functionName}: the maximum number of images must be a positive integer or null; got ${max}`,
    );
  }
}

import { describe, expect, it } from 'vitest';
import { planReduceBlocks } from './reduce.js';

describe('planReduceBlocks', () => {
  it('views leading axes as [1, reduce, inner]', () => {
    expect(planReduceBlocks([8, 5, 5, 16], [0, 1, 2])).toEqual({ outer: 1, reduce: 200, inner: 16 });
  });

  it('views trailing axes as [outer, reduce, 1]', () => {
    expect(planReduceBlocks([8, 5, 5, 16], [3])).toEqual({ outer: 200, reduce: 16, inner: 1 });
  });

  it('views middle axes as [outer, reduce, inner]', () => {
    expect(planReduceBlocks([8, 5, 5, 16], [1, 2])).toEqual({ outer: 8, reduce: 25, inner: 16 });
  });

  it('ignores axes of size 1 between reduced axes', () => {
    expect(planReduceBlocks([8, 1, 5, 16], [0, 2])).toEqual({ outer: 1, reduce: 40, inner: 16 });
  });

  it('rejects reduced axes split by a kept axis', () => {
    expect(planReduceBlocks([2, 3, 4], [0, 2])).toBeNull();
  });

  it('treats reducing only size-1 axes as a copy', () => {
    expect(planReduceBlocks([3, 1, 4], [1])).toEqual({ outer: 12, reduce: 1, inner: 1 });
  });
});

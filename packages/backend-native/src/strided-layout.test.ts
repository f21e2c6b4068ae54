import { describe, expect, it } from 'vitest';
import { broadcastStrides, collapseLayout, contiguousStrides } from './strided-layout.js';

describe('contiguousStrides', () => {
  it('gives row-major strides', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([5])).toEqual([1]);
    expect(contiguousStrides([])).toEqual([]);
  });
});

describe('broadcastStrides', () => {
  it('keeps strides of an input with the output shape', () => {
    expect(broadcastStrides([2, 3, 4], [2, 3, 4])).toEqual([12, 4, 1]);
  });

  it('gives stride 0 to missing leading dimensions', () => {
    expect(broadcastStrides([4], [2, 3, 4])).toEqual([0, 0, 1]);
  });

  it('gives stride 0 to dimensions of size 1', () => {
    expect(broadcastStrides([2, 1, 4], [2, 3, 4])).toEqual([4, 0, 1]);
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
  });

  it('reads a scalar everywhere', () => {
    expect(broadcastStrides([], [2, 3])).toEqual([0, 0]);
  });
});

describe('collapseLayout', () => {
  it('merges a per-channel vector over NHWC into rows of C', () => {
    const out = [2, 5, 5, 3];
    expect(collapseLayout(out, [broadcastStrides(out, out), broadcastStrides([3], out)])).toEqual({
      dims: [50, 3],
      strides: [[3, 1], [0, 1]],
    });
  });

  it('merges equal shapes into one dimension', () => {
    expect(collapseLayout([2, 3, 4], [[12, 4, 1], [12, 4, 1]])).toEqual({ dims: [24], strides: [[1], [1]] });
  });

  it('drops dimensions of size 1', () => {
    expect(collapseLayout([1, 4, 1, 3], [[12, 3, 3, 1]])).toEqual({ dims: [12], strides: [[1]] });
  });

  it('keeps a transposed pair of dimensions apart', () => {
    // Transposing [2, 3] reads x with strides [1, 3] for output dims [3, 2].
    expect(collapseLayout([3, 2], [[1, 3]])).toEqual({ dims: [3, 2], strides: [[1, 3]] });
  });

  it('returns one element for an all-ones shape', () => {
    expect(collapseLayout([1, 1], [[1, 1], [0, 0]])).toEqual({ dims: [1], strides: [[0], [0]] });
  });

  it('merges broadcast runs of zeros', () => {
    // [4, 1, 1] broadcast to [4, 5, 6]: strides [1, 0, 0] become dims [4, 30], strides [1, 0].
    expect(collapseLayout([4, 5, 6], [[1, 0, 0]])).toEqual({ dims: [4, 30], strides: [[1, 0]] });
  });
});

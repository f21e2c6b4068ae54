import { describe, expect, it } from 'vitest';
import { expectClose } from '../testing/tensors.js';
import { buildBlurMatrices, gaussianTaps } from './gaussian-blur.js';

describe('gaussianTaps', () => {
  it('gives normalised weights over ±ceil(3σ)', () => {
    const taps = gaussianTaps(0.5);
    expect(taps).toHaveLength(5);
    const raw = [4, 1, 0, 1, 4].map((square) => Math.exp(-square / 0.5));
    const total = raw.reduce((sum, weight) => sum + weight, 0);
    expectClose(taps, raw.map((weight) => weight / total), 1e-12);
  });

  it('is a single tap for sigma 0', () => {
    expect(gaussianTaps(0)).toEqual([1]);
  });
});

describe('buildBlurMatrices', () => {
  it('reflects taps at the borders without repeating the edge', () => {
    // sigma 0.5 on 3 pixels: radius 2, taps t = [t2, t1, t0, t1, t2]. Row 0 reads pixels
    // reflect(-2..2) = 2, 1, 0, 1, 2, so pixel 0 gets t0, pixel 1 gets 2·t1, pixel 2 gets 2·t2.
    // Row 1 reads reflect(-1..3) = 1, 0, 1, 2, 1: pixel 0 gets t1, pixel 1 gets t0 + 2·t2.
    const [t2 = 0, t1 = 0, t0 = 0] = gaussianTaps(0.5);
    const matrix = Array.from(buildBlurMatrices(3, [0.5]));
    expectClose(matrix.slice(0, 3), [t0, 2 * t1, 2 * t2]);
    expectClose(matrix.slice(3, 6), [t1, t0 + 2 * t2, t1]);
  });

  it('sums rows to 1 for wide kernels', () => {
    const matrix = Array.from(buildBlurMatrices(2, [3]));
    expectClose([(matrix[0] ?? 0) + (matrix[1] ?? 0), (matrix[2] ?? 0) + (matrix[3] ?? 0)], [1, 1]);
  });

  it('is the identity for sigma 0', () => {
    expect(Array.from(buildBlurMatrices(3, [0]))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

import { describe, expect, it } from 'vitest';
import { RandomSource } from './random.js';

describe('RandomSource', () => {
  it('repeats a sequence for the same seed', () => {
    const a = RandomSource.fromSeed(7);
    const b = RandomSource.fromSeed(7);
    const first = Array.from({ length: 5 }, () => a.uniform());
    const second = Array.from({ length: 5 }, () => b.uniform());
    expect(second).toEqual(first);
  });

  it('gives neighbouring seeds different first draws', () => {
    const draws = new Set<number>();
    for (let seed = 0; seed < 64; seed++) draws.add(RandomSource.fromSeed(seed).nextSeed());
    expect(draws.size).toBe(64);
  });

  it('continues the sequence from a saved state', () => {
    const source = RandomSource.fromSeed(3);
    source.uniform();
    const restored = RandomSource.fromState(source.getState());
    expect(restored.uniform()).toBe(source.uniform());
    expect(restored.integer(0, 1000)).toBe(source.integer(0, 1000));
  });

  it('draws uniform values in [0, 1) with mean near 1/2', () => {
    const source = RandomSource.fromSeed(11);
    let sum = 0;
    const count = 20000;
    for (let i = 0; i < count; i++) {
      const value = source.uniform();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      sum += value;
    }
    // The standard error of the mean is sqrt(1/12 / 20000) ≈ 0.002; allow five of them.
    expect(Math.abs(sum / count - 0.5)).toBeLessThan(0.01);
  });

  it('shuffles to a permutation', () => {
    const values = Int32Array.from({ length: 50 }, (_, i) => i);
    RandomSource.fromSeed(5).shuffle(values);
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...values]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('draws integers in the closed range', () => {
    const source = RandomSource.fromSeed(9);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(source.integer(2, 4));
    expect([...seen].sort()).toEqual([2, 3, 4]);
  });
});

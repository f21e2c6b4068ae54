import { RunError, SpecError } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { effectiveWarmupEpochs, learningRateAt } from './learning-rate.js';

// The authors' shape: base 0.1, ×10 over 10 warm-up epochs, peak 1.0, cosine to 0 over the rest.
const REFERENCE = { baseLr: 0.1, warmupEpochs: 10, warmupMultiplier: 10, totalEpochs: 110 };

describe('learningRateAt', () => {
  it.each([
    { epoch: 0, expected: 0.1, point: 'start' },
    { epoch: 5, expected: 0.55, point: 'middle of warm-up' },
    { epoch: 10, expected: 1, point: 'end of warm-up' },
    { epoch: 60, expected: 0.5, point: 'middle of cosine' },
    // 10 + 100/3 epochs: (1 + cos(π/3)) / 2 = 0.75.
    { epoch: 10 + 100 / 3, expected: 0.75, point: 'a third of the cosine' },
    { epoch: 110, expected: 0, point: 'end' },
  ])('is $expected at the $point', ({ epoch, expected }) => {
    expect(learningRateAt(epoch, REFERENCE)).toBeCloseTo(expected, 12);
  });

  it('rises and then falls monotonically', () => {
    const rates = Array.from({ length: 111 }, (_, epoch) => learningRateAt(epoch, REFERENCE));
    for (let epoch = 1; epoch <= 10; epoch++) expect(rates[epoch]!).toBeGreaterThan(rates[epoch - 1]!);
    for (let epoch = 11; epoch <= 110; epoch++) expect(rates[epoch]!).toBeLessThan(rates[epoch - 1]!);
  });

  it('halves the run when warm-up covers it', () => {
    const short = { baseLr: 0.1, warmupEpochs: 10, warmupMultiplier: 10, totalEpochs: 4 };
    expect(effectiveWarmupEpochs(short)).toBe(2);
    expect(learningRateAt(0, short)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(1, short)).toBeCloseTo(0.55, 12);
    expect(learningRateAt(2, short)).toBeCloseTo(1, 12);
    expect(learningRateAt(3, short)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(4, short)).toBeCloseTo(0, 12);
    expect(effectiveWarmupEpochs({ ...short, warmupEpochs: 4 })).toBe(2);
    expect(effectiveWarmupEpochs({ ...short, warmupEpochs: 3 })).toBe(3);
  });

  it('starts at the peak without warm-up', () => {
    const noWarmup = { ...REFERENCE, warmupEpochs: 0, totalEpochs: 100 };
    expect(learningRateAt(0, noWarmup)).toBeCloseTo(1, 12);
    expect(learningRateAt(50, noWarmup)).toBeCloseTo(0.5, 12);
  });

  it('rejects epochs outside the run', () => {
    expect(() => learningRateAt(-0.1, REFERENCE)).toThrow(RunError);
    expect(() => learningRateAt(110.5, REFERENCE)).toThrow('epochFraction must be in [0, totalEpochs] = [0, 110]; got 110.5');
  });

  it('rejects a bad schedule with every problem', () => {
    let error: unknown;
    try {
      learningRateAt(0, { baseLr: -1, warmupEpochs: -2, warmupMultiplier: 0, totalEpochs: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems.map((problem) => problem.path)).toEqual([
      'train.optimizer.learningRate',
      'train.schedule.warmupEpochs',
      'train.schedule.warmupMultiplier',
      'train.epochs',
    ]);
    expect((error as Error).message).toContain('got -1');
  });
});

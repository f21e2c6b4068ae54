import { describe, expect, it } from 'vitest';
import { planFilterGradientAxis, planInputGradientAxis } from './conv-geometry.js';

describe('planFilterGradientAxis', () => {
  it('keeps the forward padding for stride 1 same', () => {
    // 3 taps, padding 1 on each side of 8 positions: 8 outputs read positions −1 … 8.
    expect(planFilterGradientAxis(8, 8, 3, 1, 1)).toEqual({ usedInputSize: 8, padBefore: 1, padAfter: 1 });
  });

  it('crops positions that no output reads', () => {
    // valid, stride 2 on 8 positions: outputs 0, 1, 2 read 0–2, 2–4, 4–6, so position 7 is unused.
    expect(planFilterGradientAxis(8, 3, 3, 2, 0)).toEqual({ usedInputSize: 7, padBefore: 0, padAfter: 0 });
  });

  it('pads after for a stride-2 same convolution of an odd size', () => {
    // 7 positions, padding 1 before and 1 after: 4 outputs read −1 … 7, one past the end.
    expect(planFilterGradientAxis(7, 4, 3, 2, 1)).toEqual({ usedInputSize: 7, padBefore: 1, padAfter: 1 });
  });

  it('returns null when every read position is padding', () => {
    expect(planFilterGradientAxis(1, 1, 1, 4, 3)).toBeNull();
  });
});

describe('planInputGradientAxis', () => {
  it('reverses the filter for stride 1', () => {
    expect(planInputGradientAxis(8, 8, 3, 1, 1)).toEqual({
      stride: 1,
      windowSize: 3,
      padBefore: 1,
      padAfter: 1,
      phaseSize: 8,
      taps: [[2, 1, 0]],
    });
  });

  it('splits stride 2 into two phases', () => {
    // dx[2q] = dy[q]·w[1]; dx[2q + 1] = dy[q]·w[2] + dy[q + 1]·w[0] (padding 1 before).
    expect(planInputGradientAxis(8, 4, 3, 2, 1)).toEqual({
      stride: 2,
      windowSize: 2,
      padBefore: 0,
      padAfter: 1,
      phaseSize: 4,
      taps: [
        [1, -1],
        [2, 0],
      ],
    });
  });

  it('yields an extra phase position for an odd size', () => {
    const plan = planInputGradientAxis(7, 4, 3, 2, 1);
    expect(plan.phaseSize * plan.stride).toBe(8);
  });

  it('gives a strided 1x1 filter one phase with taps', () => {
    expect(planInputGradientAxis(8, 4, 1, 2, 0).taps).toEqual([[0], [-1]]);
  });
});

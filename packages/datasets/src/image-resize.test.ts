import { describe, expect, it } from 'vitest';
import { resizeBilinear } from './image-resize.js';

describe('resizeBilinear', () => {
  it('copies an image of the target size', () => {
    const pixels = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const resized = resizeBilinear(pixels, [1, 2, 3], 1, 2);
    expect([...resized]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resized).not.toBe(pixels);
  });

  it('enlarges by bilinear interpolation on pixel centres', () => {
    // Samples at 0.25, 0.75, 1.25, 1.75 in pixel units: 0, 0.25·100, 0.75·100 and 100
    // (the outer two are past the last pixel centre, so the edge value repeats).
    expect([...resizeBilinear(Uint8Array.from([0, 100]), [1, 2, 1], 1, 4)]).toEqual([0, 25, 75, 100]);
    expect([...resizeBilinear(Uint8Array.from([0, 100]), [2, 1, 1], 4, 1)]).toEqual([0, 25, 75, 100]);
  });

  it('shrinks with a widened triangle', () => {
    // Output 0 is centred at 1 with weights 0.75, 0.75, 0.25 on pixels 0..2: (30 + 20) / 1.75 = 28.57.
    // Output 1 is centred at 3 with weights 0.25, 0.75, 0.75 on pixels 1..3: (10 + 60 + 90) / 1.75 = 91.43.
    expect([...resizeBilinear(Uint8Array.from([0, 40, 80, 120]), [1, 4, 1], 1, 2)]).toEqual([29, 91]);
  });

  it('keeps constant channels constant at any size', () => {
    const pixels = new Uint8Array(7 * 5 * 3);
    for (let p = 0; p < 35; p++) pixels.set([10, 128, 255], 3 * p);
    for (const [height, width] of [[3, 2], [16, 11], [7, 5], [1, 1]] as const) {
      const resized = resizeBilinear(pixels, [7, 5, 3], height, width);
      expect(resized).toHaveLength(height * width * 3);
      for (let p = 0; p < height * width; p++) {
        expect([...resized.subarray(3 * p, 3 * p + 3)], `${height}×${width} pixel ${p}`).toEqual([10, 128, 255]);
      }
    }
  });

  it('resizes rows and columns independently', () => {
    // A 2×2 image [[0, 100], [100, 200]] enlarged to 2×4: each row is enlarged on its own.
    const resized = resizeBilinear(Uint8Array.from([0, 100, 100, 200]), [2, 2, 1], 2, 4);
    expect([...resized]).toEqual([0, 25, 75, 100, 100, 125, 175, 200]);
  });

  it('rejects pixels that do not match the size', () => {
    expect(() => resizeBilinear(new Uint8Array(5), [2, 2, 1], 4, 4)).toThrow(
      'resizeBilinear: pixels has 5 values, expected H·W·C = 2·2·1',
    );
  });
});

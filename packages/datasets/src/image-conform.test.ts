import type { ImageSet } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { conformImageSet } from './image-conform.js';

function makeSet(pixels: number[], [height, width, channels]: [number, number, number], count: number): ImageSet {
  return {
    images: Uint8Array.from(pixels),
    labels: new Int32Array(count),
    count,
    height,
    width,
    channels,
    classNames: ['a'],
  };
}

describe('conformImageSet', () => {
  it('returns a set of the target shape unchanged', () => {
    const set = makeSet([1, 2, 3, 4], [2, 2, 1], 1);
    expect(conformImageSet(set, [2, 2, 1])).toBe(set);
  });

  it('repeats gray values into three channels', () => {
    const conformed = conformImageSet(makeSet([10, 20, 30, 40], [2, 2, 1], 1), [2, 2, 3]);
    expect(conformed.channels).toBe(3);
    expect([...conformed.images]).toEqual([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]);
  });

  it('takes the luma of RGB and resizes each image', () => {
    // Two 2×2 RGB images, each one colour: luma of (200, 100, 50) is 124.2, of (0, 0, 255) is 29.07.
    const first = new Array(4).fill([200, 100, 50]).flat();
    const second = new Array(4).fill([0, 0, 255]).flat();
    const conformed = conformImageSet(makeSet([...first, ...second], [2, 2, 3], 2), [3, 3, 1]);
    expect([conformed.height, conformed.width, conformed.channels]).toEqual([3, 3, 1]);
    expect(conformed.images).toHaveLength(2 * 9);
    expect([...conformed.images]).toEqual([...new Array(9).fill(124), ...new Array(9).fill(29)]);
    expect(conformed.count).toBe(2);
  });

  it('rejects channel counts other than 1 and 3', () => {
    expect(() => conformImageSet(makeSet([1, 2], [1, 1, 2], 1), [1, 1, 3])).toThrow(
      'conformImageSet: cannot convert 2 channels to 3; only 1 and 3 are supported',
    );
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ComponentRegistry, ShapeError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkerboardInvertShift, invertCheckerboard, register } from './index.js';

const context = {} as ComponentContext;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `run`, returns its values, shape and dtype, disposes the result and checks for leaks. */
function runWithoutLeaks(run: () => tf.Tensor4D): { values: number[][][][]; shape: number[]; dtype: string } {
  const before = tf.memory().numTensors;
  const result = run();
  const read = { values: result.arraySync(), shape: result.shape, dtype: result.dtype };
  result.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return read;
}

// Quarters are exact in float32, so 1 − x is exact too.
const Q = 0.25;
const H = 0.5;
const T = 0.75;
const grey4x4 = [
  [[0], [Q], [H], [T]],
  [[1], [0], [Q], [H]],
  [[T], [1], [0], [Q]],
  [[H], [T], [1], [0]],
];

describe('checkerboard-invert shift', () => {
  it('has K = 2 and tile size 7 by default', () => {
    const shift = checkerboardInvertShift.create({ tileSize: 7 }, context);
    expect(shift.numShifts).toBe(2);
    const schema = checkerboardInvertShift.optionsSchema as { properties: { tileSize: { default: number } } };
    expect(schema.properties.tileSize.default).toBe(7);
  });

  it('inverts the dark 2×2 squares of a 4×4 image', () => {
    const images = tf.tensor4d([grey4x4]);
    const shift = checkerboardInvertShift.create({ tileSize: 2 }, context);
    const { values, shape, dtype } = runWithoutLeaks(() => shift.apply(images, 1));
    expect(shape).toEqual([1, 4, 4, 1]);
    expect(dtype).toBe('float32');
    // Squares (0, 1) and (1, 0) are dark: columns 2–3 of rows 0–1, and columns 0–1 of rows 2–3.
    expect(values).toEqual([
      [
        [[0], [Q], [H], [Q]],
        [[1], [0], [T], [H]],
        [[Q], [0], [0], [Q]],
        [[H], [Q], [1], [0]],
      ],
    ]);
    images.dispose();
  });

  it('alternates every pixel with tile size 1', () => {
    const images = tf.tensor4d([grey4x4]);
    const { values } = runWithoutLeaks(() => invertCheckerboard(images, 1, 1));
    expect(values[0]!.map((row) => row.map(([value]) => value))).toEqual([
      [0, T, H, Q],
      [0, 0, T, H],
      [T, 0, 0, T],
      [H, T, 0, 0],
    ]);
    images.dispose();
  });

  it('leaves the image alone when one square covers it', () => {
    const images = tf.tensor4d([grey4x4]);
    expect(runWithoutLeaks(() => invertCheckerboard(images, 1, 4)).values).toEqual([grey4x4]);
    images.dispose();
  });

  it('inverts every channel and every image of the batch', () => {
    const rgb = [
      [
        [0, Q, 1],
        [H, H, H],
      ],
    ];
    const images = tf.tensor4d([rgb, rgb]);
    const { values, shape } = runWithoutLeaks(() => invertCheckerboard(images, 1, 1));
    expect(shape).toEqual([2, 1, 2, 3]);
    const expected = [
      [
        [0, Q, 1],
        [H, H, H],
      ],
    ];
    expect(values).toEqual([expected, expected]);
    const offset = tf.tensor4d([
      [
        [
          [0, Q, 1],
          [0, T, 1],
        ],
      ],
    ]);
    expect(runWithoutLeaks(() => invertCheckerboard(offset, 1, 1)).values).toEqual([
      [
        [
          [0, Q, 1],
          [1, Q, 0],
        ],
      ],
    ]);
    tf.dispose([images, offset]);
  });

  it('returns an equal new tensor for variant 0', () => {
    const images = tf.tensor4d([grey4x4]);
    const identity = invertCheckerboard(images, 0, 2);
    expect(identity).not.toBe(images);
    expect(identity.arraySync()).toEqual([grey4x4]);
    tf.dispose([images, identity]);
  });

  it('rejects a shift outside 0 and 1', () => {
    const images = tf.tensor4d([grey4x4]);
    expect(() => invertCheckerboard(images, 2, 2)).toThrow(ShapeError);
    expect(() => invertCheckerboard(images, 2, 2)).toThrow('checkerboard-invert: shift must be 0 (identity) or 1 (inverted squares) because K = 2; got 2');
    images.dispose();
  });

  it('rejects a tensor that is not rank 4', () => {
    const image = tf.zeros([4, 4, 1]) as unknown as tf.Tensor4D;
    expect(() => invertCheckerboard(image, 1, 2)).toThrow('checkerboard-invert: images must be [N, H, W, C]; got [4, 4, 1]');
    image.dispose();
  });
});

describe('register', () => {
  it('adds checkerboard-invert as a shift transform', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('csi-example-shift-checkerboard'));
    const entry = registry.get('shift', 'checkerboard-invert');
    expect(entry?.descriptor).toBe(checkerboardInvertShift);
    expect(entry?.source).toBe('csi-example-shift-checkerboard');
    expect(registry.list()).toHaveLength(1);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ComponentRegistry, ShapeError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { colorInvertShift, invertColors, register } from './index.js';

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

describe('color-invert shift', () => {
  // Quarters are exact in float32, so 1 − x is exact too.
  const grey = [
    [[0.25], [0.5]],
    [[0.75], [1]],
  ];

  it('has K = 2', () => {
    expect(colorInvertShift.create({}, context).numShifts).toBe(2);
  });

  it('inverts a 2×2 grey image to 1 − x', () => {
    const images = tf.tensor4d([grey]);
    const shift = colorInvertShift.create({}, context);
    const { values, shape, dtype } = runWithoutLeaks(() => shift.apply(images, 1));
    expect(shape).toEqual([1, 2, 2, 1]);
    expect(dtype).toBe('float32');
    expect(values).toEqual([
      [
        [[0.75], [0.5]],
        [[0.25], [0]],
      ],
    ]);
    images.dispose();
  });

  it('returns an equal new tensor for variant 0', () => {
    const images = tf.tensor4d([grey]);
    const shift = colorInvertShift.create({}, context);
    const identity = shift.apply(images, 0);
    expect(identity).not.toBe(images);
    expect(identity.arraySync()).toEqual([grey]);
    tf.dispose([images, identity]);
  });

  it('inverts only the listed channels', () => {
    const rgb = [
      [
        [0, 0.25, 1],
        [0.5, 0.5, 0.5],
      ],
      [
        [1, 1, 0],
        [0.75, 0, 0.25],
      ],
    ];
    const images = tf.tensor4d([rgb]);
    const shift = colorInvertShift.create({ channels: [0, 2] }, context);
    const { values, shape } = runWithoutLeaks(() => shift.apply(images, 1));
    expect(shape).toEqual([1, 2, 2, 3]);
    expect(values).toEqual([
      [
        [
          [1, 0.25, 0],
          [0.5, 0.5, 0.5],
        ],
        [
          [0, 1, 1],
          [0.25, 0, 0.75],
        ],
      ],
    ]);
    images.dispose();
  });

  it('rejects a channel the images lack', () => {
    const images = tf.tensor4d([grey]);
    const before = tf.memory().numTensors;
    const call = () => invertColors(images, 1, [0, 3]);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(/channels \[3\] do not exist in images of shape \[1, 2, 2, 1\] \(C = 1\)/);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });

  it('rejects a shift outside 0 and 1', () => {
    const images = tf.tensor4d([grey]);
    expect(() => invertColors(images, 2)).toThrow(/shift must be 0 \(identity\) or 1 \(inverted\) because K = 2; got 2/);
    images.dispose();
  });
});

describe('register', () => {
  it('adds color-invert as a shift transform', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('csi-example-shift-color-invert'));
    const entry = registry.get('shift', 'color-invert');
    expect(entry?.descriptor).toBe(colorInvertShift);
    expect(entry?.source).toBe('csi-example-shift-color-invert');
    expect(registry.list()).toHaveLength(1);
  });
});

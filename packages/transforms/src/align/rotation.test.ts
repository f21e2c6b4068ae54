import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, ShapeError, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rotationAugmentation, rotateRandomly } from './rotation.js';

const context = {} as ComponentContext;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// [[a, b], [c, d]] and its counter-clockwise quarter turns.
const UPRIGHT = [
  [[1], [2]],
  [[3], [4]],
];
const TURNS = [
  UPRIGHT,
  [
    [[2], [4]],
    [[1], [3]],
  ],
  [
    [[4], [3]],
    [[2], [1]],
  ],
  [
    [[3], [1]],
    [[4], [2]],
  ],
];

function rotateWithoutLeaks(images: tf.Tensor4D, seed: number, quarterTurns: number[]): { values: number[][][][]; shape: number[]; dtype: string } {
  const before = tf.memory().numTensors;
  const result = rotateRandomly(images, RandomSource.fromSeed(seed), quarterTurns);
  const read = { values: result.arraySync(), shape: result.shape, dtype: result.dtype };
  result.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return read;
}

describe('rotation augmentation', () => {
  it.each([0, 1, 2, 3])('turns a 2×2 image by %i quarter turns', (turns) => {
    const images = tf.tensor4d([UPRIGHT, UPRIGHT]);
    const { values, shape, dtype } = rotateWithoutLeaks(images, 0, [turns]);
    expect(shape).toEqual([2, 2, 2, 1]);
    expect(dtype).toBe('float32');
    expect(values).toEqual([TURNS[turns], TURNS[turns]]);
    images.dispose();
  });

  it('draws one angle per image, in image order', () => {
    const count = 12;
    const images = tf.tensor4d(Array.from({ length: count }, () => UPRIGHT));
    const quarterTurns = [0, 1, 3];
    const { values } = rotateWithoutLeaks(images, 42, quarterTurns);
    const expected = RandomSource.fromSeed(42);
    const angles = Array.from({ length: count }, () => quarterTurns[expected.integer(0, quarterTurns.length - 1)]!);
    expect(values).toEqual(angles.map((turns) => TURNS[turns]));
    // The seed draws every angle at least once in 12 images, so the check covers each one.
    expect(new Set(angles)).toEqual(new Set(quarterTurns));
    images.dispose();
  });

  it('runs after the shift and draws from all four angles by default', () => {
    const augmentation = rotationAugmentation.create({ quarterTurns: [0, 1, 2, 3] }, context);
    expect(augmentation.stage).toBe('after-shift');
    const schema = rotationAugmentation.optionsSchema as { properties: { quarterTurns: { default: number[] } } };
    expect(schema.properties.quarterTurns.default).toEqual([0, 1, 2, 3]);
  });

  it('rejects images that are not square', () => {
    const images = tf.zeros([1, 2, 3, 1]) as tf.Tensor4D;
    const call = () => rotateRandomly(images, RandomSource.fromSeed(0), [0]);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('rotation (augmentation): images must be square (H = W), because a quarter turn swaps height and width; got [1, 2, 3, 1]');
    images.dispose();
  });

  it('rejects a tensor that is not rank 4', () => {
    const image = tf.zeros([2, 2, 1]) as unknown as tf.Tensor4D;
    expect(() => rotateRandomly(image, RandomSource.fromSeed(0), [0])).toThrow('rotation (augmentation): images must be a batch [N, H, W, C] (NHWC); got rank 3 shape [2, 2, 1]');
    image.dispose();
  });
});

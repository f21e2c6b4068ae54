import * as tf from '@tensorflow/tfjs-core';
import type { ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { noiseShift } from './noise.js';

const context = {} as ComponentContext;

beforeAll(useCpuBackend);

describe('noise shift', () => {
  it('keeps the image for variant 0', () => {
    const noise = noiseShift.create({ std: 0.1, seed: 0 }, context);
    expect(noise.numShifts).toBe(2);
    const images = tf.fill([1, 4, 4, 3], 0.5) as tf.Tensor4D;
    const { values } = runWithoutLeaks(() => noise.apply(images, 0));
    expect(values).toEqual(images.arraySync());
    images.dispose();
  });

  it('adds noise of the given std for variant 1', () => {
    const noise = noiseShift.create({ std: 0.1, seed: 0 }, context);
    const grey = tf.fill([2, 32, 32, 3], 0.5) as tf.Tensor4D;
    const { values, shape } = runWithoutLeaks(() => noise.apply(grey, 1));
    expect(shape).toEqual([2, 32, 32, 3]);
    const residuals = (values.flat(3) as number[]).map((value) => value - 0.5);
    const mean = residuals.reduce((sum, value) => sum + value, 0) / residuals.length;
    const std = Math.sqrt(residuals.reduce((sum, value) => sum + (value - mean) ** 2, 0) / residuals.length);
    // 6144 samples: the standard error of the std is about 0.1 / √(2 · 6144) ≈ 0.001.
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(std - 0.1)).toBeLessThan(0.005);
    grey.dispose();
  });

  it('clips to [0, 1]', () => {
    const noise = noiseShift.create({ std: 1, seed: 1 }, context);
    const images = tf.fill([1, 8, 8, 1], 0.9) as tf.Tensor4D;
    const result = noise.apply(images, 1);
    expect(tf.min(result).arraySync()).toBeGreaterThanOrEqual(0);
    expect(tf.max(result).arraySync()).toBeLessThanOrEqual(1);
    expect(tf.max(result).arraySync()).toBe(1);
    tf.dispose([images, result]);
  });

  it('repeats its noise sequence for the same seed', () => {
    const images = tf.fill([1, 4, 4, 1], 0.5) as tf.Tensor4D;
    const first = noiseShift.create({ std: 0.1, seed: 7 }, context);
    const second = noiseShift.create({ std: 0.1, seed: 7 }, context);
    const [a1, a2] = [first.apply(images, 1), first.apply(images, 1)];
    const [b1, b2] = [second.apply(images, 1), second.apply(images, 1)];
    expect(b1.arraySync()).toEqual(a1.arraySync());
    expect(b2.arraySync()).toEqual(a2.arraySync());
    expect(a2.arraySync()).not.toEqual(a1.arraySync());
    tf.dispose([images, a1, a2, b1, b2]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { CsiError, type ComponentContext, type ShiftTransform, type Tensor4D } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureError } from '../testing/errors.js';
import { runWithoutLeaks, useCpuBackend } from '../testing/tensors.js';
import { cutPermShift, permuteQuadrants } from './cut-perm.js';
import { identityShift } from './identity.js';
import { composeShifts, splitShiftIndex } from './product.js';
import { rotateQuarterTurns, rotationShift } from './rotation.js';

const context = {} as ComponentContext;
const rotation = rotationShift.create({ quarterTurns: [0, 1, 2, 3] }, context);
const cutPerm = cutPermShift.create({}, context);

beforeAll(useCpuBackend);

describe('composeShifts', () => {
  it('multiplies the numbers of variants', () => {
    expect(composeShifts([rotation, cutPerm]).numShifts).toBe(16);
    const halfTurns = rotationShift.create({ quarterTurns: [0, 2] }, context);
    expect(composeShifts([halfTurns, cutPerm, halfTurns]).numShifts).toBe(16);
  });

  it('reads the first transform as the most significant digit', () => {
    expect(splitShiftIndex(6, [4, 4])).toEqual([1, 2]);
    expect(splitShiftIndex(15, [4, 4])).toEqual([3, 3]);
    expect(splitShiftIndex(5, [2, 3])).toEqual([1, 2]);
    expect(splitShiftIndex(11, [2, 3, 2])).toEqual([1, 2, 1]);
  });

  it('applies variant y = y1·K2 + y2 as T1 first, then T2', () => {
    const product = composeShifts([rotation, cutPerm]);
    const images = tf.randomUniform([2, 4, 4, 3], 0, 1, 'float32', 5) as Tensor4D;
    for (let shift = 0; shift < 16; shift++) {
      const turns = Math.floor(shift / 4);
      const expected = tf.tidy(() => permuteQuadrants(rotateQuarterTurns(images, turns), shift % 4));
      const { values } = runWithoutLeaks(() => product.apply(images, shift));
      expect(values).toEqual(expected.arraySync());
      expected.dispose();
    }
    images.dispose();
  });

  it('returns identityShift for no transforms and the transform itself for one', () => {
    expect(composeShifts([])).toBe(identityShift);
    expect(composeShifts([rotation])).toBe(rotation);
  });

  it('rejects a variant index out of range', () => {
    const images = tf.zeros([1, 2, 2, 1]) as Tensor4D;
    const error = captureError(() => composeShifts([rotation, cutPerm]).apply(images, 16));
    expect(error).toBeInstanceOf(CsiError);
    expect(error.message).toContain('composeShifts');
    expect(error.message).toContain('[0, 16)');
    images.dispose();
  });

  it('disposes the intermediate image when a later transform throws', () => {
    const failing: ShiftTransform = {
      numShifts: 2,
      apply: () => {
        throw new CsiError('failing on purpose');
      },
    };
    const images = tf.zeros([1, 2, 2, 1]) as Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => composeShifts([rotation, failing]).apply(images, 3)).toThrow('failing on purpose');
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });
});

describe('identityShift', () => {
  it('has K = 1 and returns a copy', () => {
    expect(identityShift.numShifts).toBe(1);
    const images = tf.fill([2, 3, 3, 1], 0.5) as Tensor4D;
    const { values } = runWithoutLeaks(() => identityShift.apply(images, 0));
    expect(values).toEqual(images.arraySync());
    expect(() => identityShift.apply(images, 1)).toThrow('integer in [0, 1)');
    images.dispose();
  });
});

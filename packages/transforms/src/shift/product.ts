import { CsiError, type ShiftTransform, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertShiftIndex } from '../image-batch.js';
import { identityShift } from './identity.js';

/**
 * Combines shift transforms T^(1), …, T^(m) into their product, with K = K_1 · K_2 · … · K_m.
 *
 * Variant order: y is read as a mixed-radix number whose first digit is the most significant,
 * y = ((y_1 · K_2 + y_2) · K_3 + y_3) …, so for two transforms y = y_1 · K_2 + y_2. For rotation
 * (K_1 = 4) × cut-perm (K_2 = 4), y = 6 = 1 · 4 + 2 is one quarter turn, then the top and bottom
 * halves swapped.
 *
 * Application order: T_y(x) = T^(m)_{y_m}( … T^(2)_{y_2}(T^(1)_{y_1}(x)) … ), the first transform
 * of the list first. Order matters when the transforms do not commute (rotation and cut-perm do
 * not). Variant 0 is the product of the variants 0, so it is the identity when they all are.
 *
 * An empty list gives `identityShift` (K = 1); a single transform is returned as it is.
 */
export function composeShifts(shifts: readonly ShiftTransform[]): ShiftTransform {
  if (shifts.length === 0) return identityShift;
  const [first, ...rest] = shifts;
  if (first !== undefined && rest.length === 0) return first;

  shifts.forEach((shift, index) => {
    if (!Number.isInteger(shift.numShifts) || shift.numShifts < 1) {
      throw new CsiError(
        `composeShifts: shifts[${index}].numShifts must be a positive integer; got ${shift.numShifts}`,
      );
    }
  });
  const numShifts = shifts.reduce((product, shift) => product * shift.numShifts, 1);

  return Object.freeze({
    numShifts,
    apply: (images: Tensor4D, shift: number): Tensor4D => {
      assertShiftIndex('composeShifts', shift, numShifts);
      const digits = splitShiftIndex(shift, shifts.map((transform) => transform.numShifts));
      let result = images;
      try {
        shifts.forEach((transform, index) => {
          const next = transform.apply(result, digits[index] ?? 0);
          if (result !== images) result.dispose();
          result = next;
        });
      } catch (error) {
        if (result !== images) result.dispose();
        throw error;
      }
      return result === images ? tf.clone(images) : result;
    },
  });
}

/**
 * Splits a product variant index into one index per factor, first factor most significant:
 * splitShiftIndex(6, [4, 4]) = [1, 2] because 6 = 1 · 4 + 2.
 */
export function splitShiftIndex(shift: number, sizes: readonly number[]): number[] {
  const digits = new Array<number>(sizes.length).fill(0);
  let rest = shift;
  for (let index = sizes.length - 1; index >= 0; index--) {
    const size = sizes[index] ?? 1;
    digits[index] = rest % size;
    rest = Math.floor(rest / size);
  }
  return digits;
}

import * as tf from '@tensorflow/tfjs-core';
import { DataError, ShapeError, assertShape, type FeatureBank, type Tensor2D } from '@csi/core';

/** Sizes of a feature bank: K shifts, M images, P projection size. */
export interface BankShape {
  numShifts: number;
  numImages: number;
  projectionSize: number;
}

/**
 * Checks that `bank` contains projections [K, M, P] and shiftLogits [K, M, K], both float32, and
 * returns K, M and P. `bankName` ('train' or 'test') labels the tensors in error messages.
 */
export function describeFeatureBank(functionName: string, bankName: string, bank: FeatureBank): BankShape {
  const projections = bank.projections;
  assertShape(functionName, `${bankName}.projections`, projections, [null, null, null], ['K', 'M', 'P']);
  const [numShifts, numImages, projectionSize] = projections.shape;
  assertShape(functionName, `${bankName}.shiftLogits`, bank.shiftLogits, [numShifts, numImages, numShifts], [
    'K',
    'M',
    'K',
  ]);
  for (const [name, tensor] of [
    ['projections', projections],
    ['shiftLogits', bank.shiftLogits],
  ] as const) {
    if (tensor.dtype !== 'float32') {
      throw new ShapeError(`${functionName}: ${bankName}.${name} must be float32; got dtype ${tensor.dtype}`);
    }
  }
  if (numShifts < 1 || projectionSize < 1) {
    throw new ShapeError(
      `${functionName}: ${bankName}.projections must have K ≥ 1 and P ≥ 1; got [${projections.shape.join(', ')}]`,
    );
  }
  return { numShifts, numImages, projectionSize };
}

/** Like `describeFeatureBank`, and also requires at least one image, as the training bank must have. */
export function describeTrainingBank(functionName: string, train: FeatureBank): BankShape {
  const shape = describeFeatureBank(functionName, 'train', train);
  if (shape.numImages === 0) {
    throw new DataError(
      `${functionName}: the training feature bank has no images (M = 0), so there is nothing to compare ` +
        'test images with. Check the protocol selection and data.maxTrainImages.',
    );
  }
  return shape;
}

/** Throws a ShapeError unless the test bank has the same K and P as the training bank. */
export function assertSameShiftsAndSize(functionName: string, train: BankShape, test: BankShape): void {
  if (train.numShifts !== test.numShifts || train.projectionSize !== test.projectionSize) {
    throw new ShapeError(
      `${functionName}: the test bank must have the K and P of the training bank, [K, ·, P] = ` +
        `[${train.numShifts}, ·, ${train.projectionSize}]; got [${test.numShifts}, ·, ${test.projectionSize}]. ` +
        'Extract both banks with the same network and shift transforms.',
    );
  }
}

/** Returns z(T_y x_m) for every m as [M, P] float32; the caller disposes it. */
export function sliceProjections(bank: FeatureBank, shift: number): Tensor2D {
  return tf.tidy(() => {
    const [, numImages, projectionSize] = bank.projections.shape;
    return tf.reshape(tf.slice(bank.projections, [shift, 0, 0], [1, -1, -1]), [numImages, projectionSize]);
  });
}

/** Returns ||z(T_y x_m)|| for every m, [M]. */
export function readProjectionNorms(bank: FeatureBank, shift: number): Float32Array {
  const norms = tf.tidy(() => tf.norm(sliceProjections(bank, shift), 'euclidean', 1));
  const values = Float32Array.from(norms.dataSync());
  norms.dispose();
  return values;
}

/** Returns l_y(T_y x_m), the shift head's logit for the true shift y, for every m, [M]. */
export function readTrueShiftLogits(bank: FeatureBank, shift: number): Float32Array {
  const logits = tf.tidy(() => tf.slice(bank.shiftLogits, [shift, 0, shift], [1, -1, 1]));
  const values = Float32Array.from(logits.dataSync());
  logits.dispose();
  return values;
}

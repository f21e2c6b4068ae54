import type { ShiftTransform, Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';

/**
 * The shift transform with K = 1 whose only variant is the identity: con-SI with it is plain
 * SimCLR's NT-Xent. `apply(images, 0)` returns a copy [N, H, W, C] that the caller disposes.
 */
export const identityShift: ShiftTransform = Object.freeze({
  numShifts: 1,
  apply: (images: Tensor4D, shift: number): Tensor4D => {
    assertImageBatch('identityShift', images);
    assertShiftIndex('identityShift', shift, 1);
    return tf.clone(images);
  },
});

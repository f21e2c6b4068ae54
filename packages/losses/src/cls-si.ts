import * as tf from '@tensorflow/tfjs-core';
import { assertShape, countViews, defineLoss, type Scalar, type Tensor2D, type ViewLayout } from '@csi/core';
import { assertLayout, computeShiftOfRows } from './layout.js';
import { logSumExpRows } from './similarity.js';

/**
 * Computes L_cls-SI: the softmax cross-entropy of the shift head predicting the shift y of
 * each row, averaged over all V rows. Row r = v·(K·N) + y·N + i has label y.
 *
 * @param shiftLogits [V, K] float32 logits W^T f(x), V = numViews·K·N rows stacked by `layout`.
 * @param layout N, K and any number of views ≥ 1.
 * @returns a float32 scalar ≥ 0 that the caller disposes; differentiable with respect to
 *   `shiftLogits`. It is 0 when K = 1.
 */
export function clsSiLoss(shiftLogits: Tensor2D, layout: ViewLayout): Scalar {
  assertLayout('clsSiLoss', layout);
  assertShape('clsSiLoss', 'shiftLogits', shiftLogits, [countViews(layout), layout.numShifts], [
    'numViews·N·K',
    'K',
  ]);

  return tf.tidy(() => {
    const trueShift = tf.tensor2d(encodeOneHot(computeShiftOfRows(layout), layout.numShifts), [
      countViews(layout),
      layout.numShifts,
    ]);
    const trueLogits = tf.sum(tf.mul(shiftLogits, trueShift), 1);
    return tf.mean(tf.sub(logSumExpRows(shiftLogits), trueLogits)) as Scalar;
  });
}

// Built here rather than with tf.oneHot, which rejects a depth of 1 (K = 1, plain SimCLR).
function encodeOneHot(labels: Int32Array, depth: number): Float32Array {
  const encoded = new Float32Array(labels.length * depth);
  labels.forEach((label, row) => {
    encoded[row * depth + label] = 1;
  });
  return encoded;
}

/** The loss term `cls-si`: L_cls-SI on the shift-head logits of the batch. */
export const clsSiTerm = defineLoss<Record<string, never>>({
  name: 'cls-si',
  summary: 'Shift classification loss: cross-entropy of the shift head predicting which shift each view has.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    compute: (outputs, layout) => clsSiLoss(outputs.shiftLogits, layout),
  }),
});

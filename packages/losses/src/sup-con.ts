import * as tf from '@tensorflow/tfjs-core';
import {
  ShapeError,
  SpecError,
  assertShape,
  countViews,
  defineLoss,
  type Scalar,
  type Tensor1D,
  type Tensor2D,
  type ViewLayout,
} from '@csi/core';
import { assertLayout, computeImageOfRows, computeShiftOfRows } from './layout.js';
import { computeCosineLogits, logSumExpRows, normalizeRows } from './similarity.js';
import { assertTemperature, temperatureOptionsSchema, type TemperatureOptions } from './temperature.js';

/**
 * Computes the supervised contrastive loss (SupCon, Khosla et al. 2020, the L_out form) on
 * shifted instances, as in sup-CSI. The label of a view of T_y(x_i) is the pair
 * (class of x_i, y), so a view's positives P(r) are all other views with the same class and
 * the same shift:
 *
 *   L = 1/V Σ_r −1/|P(r)| Σ_{p∈P(r)} log( exp(sim(z_r, z_p)/τ) / Σ_{k≠r} exp(sim(z_r, z_k)/τ) ).
 *
 * With every image in its own class this equals `conSiLoss`.
 *
 * NOTE: the sup-CSI code of the authors (alinlab/CSI, training/contrastive_loss.py,
 * Supervised_NT_xent) counts each view among its own positives. That adds a constant to the
 * loss and scales the positive terms by |P(r)|/(|P(r)| + 1), so its values are not comparable
 * with these.
 *
 * @param projections [V, P] float32 z(x), V = numViews·K·N rows stacked by `layout`.
 * @param layout N, K and numViews ≥ 2, so that each view has at least one positive.
 * @param classLabels [N] int32 class index of each image in the batch.
 * @param temperature τ > 0.
 * @returns a float32 scalar that the caller disposes; differentiable with respect to `projections`.
 */
export function supConLoss(
  projections: Tensor2D,
  layout: ViewLayout,
  classLabels: Tensor1D,
  temperature: number,
): Scalar {
  assertLayout('supConLoss', layout);
  if (layout.numViews < 2) {
    throw new ShapeError(
      `supConLoss: layout.numViews must be at least 2, so that each view has a positive; got ${layout.numViews}`,
    );
  }
  assertShape('supConLoss', 'projections', projections, [countViews(layout), projections.shape[1] ?? null], [
    'numViews·N·K',
    'P',
  ]);
  assertShape('supConLoss', 'classLabels', classLabels, [layout.numImages], ['N']);
  if (classLabels.dtype !== 'int32') {
    throw new ShapeError(`supConLoss: classLabels must be int32 class indices; got dtype ${classLabels.dtype}`);
  }
  assertTemperature('supConLoss', temperature);

  return tf.tidy(() => {
    const numRows = countViews(layout);
    const imageOfRows = tf.tensor1d(computeImageOfRows(layout), 'int32');
    const shiftOfRows = tf.tensor1d(computeShiftOfRows(layout), 'int32');
    // (class, shift) as one integer: class · K + y.
    const rowLabels = tf.add(tf.mul(tf.gather(classLabels, imageOfRows), layout.numShifts), shiftOfRows);

    const sameLabel = tf.equal(tf.reshape(rowLabels, [numRows, 1]), tf.reshape(rowLabels, [1, numRows]));
    const offDiagonal = tf.logicalNot(tf.cast(tf.eye(numRows), 'bool'));
    const positiveMask = tf.cast(tf.logicalAnd(sameLabel, offDiagonal), 'float32');

    const logits = computeCosineLogits(normalizeRows(projections), temperature);
    const logProbabilities = tf.sub(logits, tf.reshape(logSumExpRows(logits), [numRows, 1]));
    // Each row has at least its other view as a positive, so the count is ≥ 1.
    const positivesPerRow = tf.sum(positiveMask, 1);
    const meanPositiveLogProbability = tf.div(tf.sum(tf.mul(positiveMask, logProbabilities), 1), positivesPerRow);
    return tf.neg(tf.mean(meanPositiveLogProbability)) as Scalar;
  });
}

/** The loss term `sup-con`: SupCon on (class, shift) labels; needs the class labels of the batch. */
export const supConTerm = defineLoss<TemperatureOptions>({
  name: 'sup-con',
  summary: 'Supervised contrastive loss (SupCLR) on shifted instances: positives share class and shift. Needs labelled-multi-class.',
  classLabels: 'needed',
  optionsSchema: temperatureOptionsSchema,
  create: ({ temperature }) => ({
    compute: (outputs, layout, classLabels) => {
      if (classLabels === undefined) {
        throw new SpecError([
          {
            path: 'train.loss',
            message:
              'loss "sup-con" needs the class label of each training image, but this run trains without labels. ' +
              'Use the labelled-multi-class protocol, or replace sup-con with con-si.',
          },
        ]);
      }
      return supConLoss(outputs.projections, layout, classLabels, temperature);
    },
  }),
});

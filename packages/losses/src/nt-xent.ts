import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, assertShape, defineLoss, type Scalar, type Tensor2D } from '@csi/core';
import { assertPairedViews } from './layout.js';
import { computeCosineLogits, logSumExpRows, normalizeRows } from './similarity.js';
import { assertTemperature, temperatureOptionsSchema, type TemperatureOptions } from './temperature.js';

/**
 * Computes the NT-Xent loss of SimCLR (normalised temperature-scaled cross-entropy):
 *
 *   L = 1/(2M) Σ_i −log( exp(sim(z_i, z_i')/τ) / Σ_{k≠i} exp(sim(z_i, z_k)/τ) ),
 *
 * with sim the cosine similarity and i' = (i + M) mod 2M the positive of row i.
 *
 * @param projections [2M, P] float32, any scale (rows are normalised here). Rows i and i + M
 *   are the two soft views of one instance; every other row is a negative.
 * @param temperature τ > 0; the reference value is 0.5.
 * @returns a float32 scalar ≥ 0 that the caller disposes. Differentiable with respect to
 *   `projections` through tf.grad.
 */
export function ntXentLoss(projections: Tensor2D, temperature: number): Scalar {
  assertShape('ntXentLoss', 'projections', projections, [null, null], ['2·M', 'P']);
  const numRows = projections.shape[0];
  if (numRows < 2 || numRows % 2 !== 0) {
    throw new ShapeError(
      `ntXentLoss: projections must have an even number 2·M ≥ 2 of rows, because rows i and i + M ` +
        `form a positive pair; got [${projections.shape.join(', ')}]`,
    );
  }
  assertTemperature('ntXentLoss', temperature);

  return tf.tidy(() => {
    const numInstances = numRows / 2;
    const unit = normalizeRows(projections);
    const logits = computeCosineLogits(unit, temperature);

    // Swapping the two halves puts each row's positive i' in row i.
    const firstViews = tf.slice(unit, [0, 0], [numInstances, -1]);
    const secondViews = tf.slice(unit, [numInstances, 0], [numInstances, -1]);
    const partners = tf.concat([secondViews, firstViews], 0);
    const positiveLogits = tf.div(tf.sum(tf.mul(unit, partners), 1), temperature);

    return tf.mean(tf.sub(logSumExpRows(logits), positiveLogits)) as Scalar;
  });
}

/**
 * The SimCLR loss term `nt-xent`: NT-Xent on the two soft views of each row of the batch.
 * It is meant for training without shift transforms (K = 1). With K > 1 it still treats every
 * (image, shift) as its own instance, which makes it equal to `con-si` in value.
 */
export const ntXentTerm = defineLoss<TemperatureOptions>({
  name: 'nt-xent',
  summary: 'SimCLR NT-Xent loss on two soft views per image; meant for K = 1 (no shift transform).',
  optionsSchema: temperatureOptionsSchema,
  create: ({ temperature }) => ({
    compute: (outputs, layout) => {
      assertPairedViews('nt-xent', outputs.projections, layout);
      return ntXentLoss(outputs.projections, temperature);
    },
  }),
});

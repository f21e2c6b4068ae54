import { defineLoss, type Scalar, type Tensor2D, type ViewLayout } from '@csi/core';
import { assertPairedViews } from './layout.js';
import { ntXentLoss } from './nt-xent.js';
import { assertTemperature, temperatureOptionsSchema, type TemperatureOptions } from './temperature.js';

/**
 * Computes L_con-SI, the contrastive loss on shifted instances: NT-Xent where each
 * (image i, shift y) is its own instance. The positive of a view is the other soft view of the
 * same T_y(x_i), and every other view is a negative, including T_y'(x_i) for y' ≠ y.
 *
 * Because rows are stacked as r = v·(K·N) + y·N + i, the positive of row r < K·N is row
 * r + K·N, so this is exactly `ntXentLoss(projections, temperature)` with M = K·N.
 *
 * @param projections [2·N·K, P] float32 z(x), stacked by `layout`, which must have two views.
 * @param layout N, K and numViews = 2.
 * @param temperature τ > 0; the reference value is 0.5.
 * @returns a float32 scalar that the caller disposes; differentiable with respect to `projections`.
 */
export function conSiLoss(projections: Tensor2D, layout: ViewLayout, temperature: number): Scalar {
  assertPairedViews('conSiLoss', projections, layout);
  assertTemperature('conSiLoss', temperature);
  return ntXentLoss(projections, temperature);
}

/** The loss term `con-si`: L_con-SI on the projections of the batch. */
export const conSiTerm = defineLoss<TemperatureOptions>({
  name: 'con-si',
  summary: 'Contrastive loss on shifted instances: NT-Xent where each (image, shift) is its own instance.',
  optionsSchema: temperatureOptionsSchema,
  create: ({ temperature }) => ({
    compute: (outputs, layout) => conSiLoss(outputs.projections, layout, temperature),
  }),
});

import type { Scalar, Tensor1D } from '@tensorflow/tfjs-core';
import type { NetworkOutputs } from './network.js';

/**
 * How a training batch of V = numViews · K · N views is stacked. Rows are view-major, then
 * shift, then image: row r = v·(K·N) + y·N + i holds soft view v of T_y(x_i). con-SI finds the
 * positive of row r at the same (y, i) in the other view, so every producer and consumer of
 * stacked views must keep this order.
 */
export interface ViewLayout {
  /** N, images in the batch. */
  numImages: number;
  /** K, shift variants. */
  numShifts: number;
  /** Soft-augmented views per (image, shift); 2 for contrastive training. */
  numViews: number;
}

/** Number of rows V of a batch stacked by `layout`. */
export function countViews(layout: ViewLayout): number {
  return layout.numViews * layout.numShifts * layout.numImages;
}

/** One term of the training loss; the runner sums the terms with the weights from the spec. */
export interface LossTerm {
  /**
   * Returns the term as a scalar that the caller disposes. `classLabels` [N] int32 holds the
   * class of each image for supervised losses and is undefined in unlabelled training.
   */
  compute(outputs: NetworkOutputs, layout: ViewLayout, classLabels?: Tensor1D): Scalar;
}

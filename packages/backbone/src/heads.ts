import type * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from '@csi/core';
import { applyLinear, createLinear, type LinearLayer } from './linear.js';
import type { NetworkVariables } from './network-variables.js';

/** Name prefixes of the head variables; everything else belongs to the ResNet body. */
export const HEAD_NAME_PREFIXES = ['projectionHead.', 'shiftHead.'] as const;

/** g = Linear(D, hidden) → ReLU → Linear(hidden, P) and the shift head Linear(D, K). */
export interface NetworkHeads {
  projection1: LinearLayer;
  projection2: LinearLayer;
  shift: LinearLayer;
}

export interface HeadSizes {
  /** D, the feature size. */
  featureSize: number;
  /** Hidden size of g; the authors use D. */
  projectionHidden: number;
  /** P. */
  projectionSize: number;
  /** K. */
  numShifts: number;
}

/**
 * Creates the heads with variables `projectionHead.linear1.kernel`, `projectionHead.linear1.bias`,
 * `projectionHead.linear2.*` and `shiftHead.kernel`, `shiftHead.bias`.
 */
export function createHeads(variables: NetworkVariables, sizes: HeadSizes, random: RandomSource): NetworkHeads {
  return {
    projection1: createLinear(variables, 'projectionHead.linear1', sizes.featureSize, sizes.projectionHidden, random),
    projection2: createLinear(variables, 'projectionHead.linear2', sizes.projectionHidden, sizes.projectionSize, random),
    shift: createLinear(variables, 'shiftHead', sizes.featureSize, sizes.numShifts, random),
  };
}

/** Maps features [N, D] to projections z [N, P]; the caller disposes the result. */
export function applyProjectionHead(features: tf.Tensor2D, heads: NetworkHeads): tf.Tensor2D {
  const hidden = applyLinear(features, heads.projection1, 'relu');
  const projections = applyLinear(hidden, heads.projection2);
  hidden.dispose();
  return projections;
}

/** Maps features [N, D] to shift logits [N, K]; the caller disposes the result. */
export function applyShiftHead(features: tf.Tensor2D, heads: NetworkHeads): tf.Tensor2D {
  return applyLinear(features, heads.shift);
}

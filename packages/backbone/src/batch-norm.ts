import * as tf from '@tensorflow/tfjs-core';
import { batchNormTraining } from '@csi/backend-native';
import { ShapeError } from '@csi/core';
import type { NetworkVariables } from './network-variables.js';

/** PyTorch's BatchNorm2d default epsilon, added to the variance before the square root. */
export const BATCH_NORM_EPSILON = 1e-5;

/**
 * Weight of the current batch in the running averages, in PyTorch's convention (BatchNorm2d's
 * default): running = (1 − 0.1) · running + 0.1 · batch.
 */
export const BATCH_NORM_MOMENTUM = 0.1;

/** One batch-norm layer over the last (channel) axis: trainable γ, β and the running statistics. */
export interface BatchNormLayer {
  readonly name: string;
  /** γ [C], initialised to 1. */
  readonly gamma: tf.Variable;
  /** β [C], initialised to 0. */
  readonly beta: tf.Variable;
  /** Running mean [C], initialised to 0; state, not trained. */
  readonly runningMean: tf.Variable;
  /** Running variance [C], initialised to 1; state, not trained. */
  readonly runningVariance: tf.Variable;
}

/**
 * Creates a batch-norm layer for `channels` channels, with variables `<name>.gamma`,
 * `<name>.beta` (trainable) and `<name>.runningMean`, `<name>.runningVariance` (state).
 */
export function createBatchNorm(variables: NetworkVariables, name: string, channels: number): BatchNormLayer {
  return {
    name,
    gamma: variables.addTrainable(`${name}.gamma`, tf.ones([channels])),
    beta: variables.addTrainable(`${name}.beta`, tf.zeros([channels])),
    runningMean: variables.addState(`${name}.runningMean`, tf.zeros([channels])),
    runningVariance: variables.addState(`${name}.runningVariance`, tf.ones([channels])),
  };
}

/**
 * Normalises `x` [N, H, W, C] or [N, C] float32 per channel (the last axis).
 *
 * In training mode it uses the batch mean and the biased batch variance, and updates the running
 * averages with the batch mean and the unbiased batch variance, as PyTorch does. In evaluation
 * mode it uses the running averages and changes nothing. The update assigns new values to the
 * state variables, so it is safe inside `tf.variableGrads`: the state variables are not trainable
 * and the loss does not depend on them, so the gradient tape never differentiates through the
 * update. Returns a tensor of the shape of `x` that the caller disposes.
 *
 * Throws a ShapeError in training mode when a channel has fewer than 2 values (N·H·W < 2),
 * because the unbiased variance is then undefined; PyTorch rejects that case too.
 */
export function applyBatchNorm<T extends tf.Tensor4D | tf.Tensor2D>(
  x: T,
  layer: BatchNormLayer,
  training: boolean,
  epilogue: BatchNormEpilogue = {},
): T {
  if (!training) {
    return tf.tidy(() => {
      const normalised = tf.batchNorm(x, layer.runningMean, layer.runningVariance, layer.beta, layer.gamma, BATCH_NORM_EPSILON);
      return applyEpilogue(normalised, epilogue) as T;
    });
  }

  const valuesPerChannel = x.shape.slice(0, -1).reduce((product, size) => product * size, 1);
  if (valuesPerChannel < 2) {
    throw new ShapeError(
      `${layer.name}: batch norm in training mode needs at least 2 values per channel to estimate the ` +
        `variance; got input [${x.shape.join(', ')}] with N·H·W = ${valuesPerChannel}. ` +
        'Train with at least 2 images per batch.',
    );
  }

  return tf.tidy(() => {
    // On the native backend this is three fused kernels; elsewhere it composes tf.moments and
    // tf.batchNorm, with the same values and gradients.
    const { y, mean, variance } = batchNormTraining(x, layer.gamma as tf.Tensor1D, layer.beta as tf.Tensor1D, {
      epsilon: BATCH_NORM_EPSILON,
      activation: epilogue.relu ? 'relu' : 'linear',
      ...(epilogue.residual ? { residual: epilogue.residual } : {}),
    });
    updateRunningStatistics(layer, mean, variance, valuesPerChannel);
    return y;
  });
}

/** Operations after the normalisation in a ResNet: a shortcut added, then relu. */
export interface BatchNormEpilogue {
  /** A tensor of x's shape added after the normalisation (the block's shortcut). */
  residual?: tf.Tensor;
  /** Applies max(0, ·) last. */
  relu?: boolean;
}

function applyEpilogue(normalised: tf.Tensor, epilogue: BatchNormEpilogue): tf.Tensor {
  const summed = epilogue.residual ? tf.add(normalised, epilogue.residual) : normalised;
  return epilogue.relu ? tf.relu(summed) : summed;
}

function updateRunningStatistics(
  layer: BatchNormLayer,
  batchMean: tf.Tensor,
  batchVariance: tf.Tensor,
  valuesPerChannel: number,
): void {
  const [nextMean, nextVariance] = tf.tidy(() => {
    const keep = 1 - BATCH_NORM_MOMENTUM;
    const unbiasedVariance = tf.mul(batchVariance, valuesPerChannel / (valuesPerChannel - 1));
    return [
      tf.add(tf.mul(layer.runningMean, keep), tf.mul(batchMean, BATCH_NORM_MOMENTUM)),
      tf.add(tf.mul(layer.runningVariance, keep), tf.mul(unbiasedVariance, BATCH_NORM_MOMENTUM)),
    ];
  });
  layer.runningMean.assign(nextMean as tf.Tensor1D);
  layer.runningVariance.assign(nextVariance as tf.Tensor1D);
  // Each variable now holds its own reference to the new data.
  nextMean.dispose();
  nextVariance.dispose();
}

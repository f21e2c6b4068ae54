import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME } from './backend.js';
import {
  BATCH_NORM_BACKWARD, BATCH_NORM_FORWARD, BATCH_NORM_STATISTICS, type BatchNormTrainingAttrs,
} from './kernels/batch-norm-training.js';

/** Options of batchNormTraining. */
export interface BatchNormTrainingOptions {
  /** Added to the variance before the square root, e.g. 1e-5 (PyTorch's BatchNorm2d default). */
  epsilon: number;
  /** 'relu' applies max(0, ·) last; default 'linear'. */
  activation?: 'linear' | 'relu';
  /** A tensor of x's shape added after the normalisation and before the activation (a ResNet shortcut). */
  residual?: tf.Tensor;
}

/** Outputs of batchNormTraining; the caller disposes all three. */
export interface BatchNormTrainingResult<T extends tf.Tensor> {
  /** activation(gamma · (x − mean) / sqrt(variance + epsilon) + beta + residual), x's shape, float32. */
  y: T;
  /** Batch mean [C], for running averages only: on `native` no gradient flows through it. */
  mean: tf.Tensor1D;
  /** Biased batch variance [C] (divided by N·H·W), for running averages only, like `mean`. */
  variance: tf.Tensor1D;
}

/**
 * Normalises x [N, H, W, C] or [N, C] float32 per channel (the last axis) with the batch mean and
 * biased variance, as batch norm does in training mode. Then scales by gamma [C], shifts by
 * beta [C], and optionally adds `residual` and applies relu.
 *
 * On the `native` backend this runs as three fused kernels (statistics, forward, backward) with a
 * custom gradient for x, gamma, beta and residual that includes the paths through the batch
 * statistics. On any other backend it composes tf.moments, tf.batchNorm, tf.add and tf.relu,
 * which compute the same values and gradients.
 *
 * @throws Error when gamma, beta or residual do not match x's shape.
 */
export function batchNormTraining<T extends tf.Tensor>(
  x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, options: BatchNormTrainingOptions,
): BatchNormTrainingResult<T> {
  checkShapes(x, gamma, beta, options.residual);
  const relu = options.activation === 'relu';
  const allFloat32 = [x, gamma, beta, options.residual].every((t) => t === undefined || t.dtype === 'float32');
  if (tf.getBackend() !== NATIVE_BACKEND_NAME || !allFloat32) {
    return composeFromStandardOps(x, gamma, beta, options.epsilon, relu, options.residual);
  }

  const [mean, variance] = tf.engine().runKernel(BATCH_NORM_STATISTICS, { x }) as [tf.Tensor1D, tf.Tensor1D];
  const attrs: BatchNormTrainingAttrs = { epsilon: options.epsilon, relu, residual: options.residual !== undefined };
  const namedAttrs = attrs as unknown as tf.NamedAttrMap;

  // mean and variance enter through the closure and are saved for the gradient, so the tape records
  // no edge from y back to the statistics kernel. The fused backward covers that path itself.
  const forwardWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [input, scale, offset, residual] = args.slice(0, -1) as tf.Tensor[];
    const inputs: tf.NamedTensorMap = { x: input as tf.Tensor, mean, variance, gamma: scale as tf.Tensor, beta: offset as tf.Tensor };
    if (residual !== undefined) inputs['residual'] = residual;
    const y = tf.engine().runKernel(BATCH_NORM_FORWARD, inputs, namedAttrs) as tf.Tensor;
    save([input as tf.Tensor, scale as tf.Tensor, mean, variance, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedX, savedGamma, savedMean, savedVariance, savedY] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const backwardInputs: tf.NamedTensorMap = {
          dy: dy as tf.Tensor, x: savedX, mean: savedMean, variance: savedVariance, gamma: savedGamma,
        };
        if (relu) backwardInputs['y'] = savedY;
        return tf.engine().runKernel(BATCH_NORM_BACKWARD, backwardInputs, namedAttrs) as tf.Tensor[];
      },
    };
  });
  const inputs = options.residual === undefined ? [x, gamma, beta] : [x, gamma, beta, options.residual];
  const y = forwardWithGradient(...inputs) as T;
  return { y, mean, variance };
}

function composeFromStandardOps<T extends tf.Tensor>(
  x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, relu: boolean, residual: tf.Tensor | undefined,
): BatchNormTrainingResult<T> {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.tidy(() => {
    let normalised: tf.Tensor = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    if (residual !== undefined) normalised = tf.add(normalised, residual);
    return relu ? tf.relu(normalised) : normalised;
  }) as T;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

function checkShapes(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, residual: tf.Tensor | undefined): void {
  const channels = x.shape[x.shape.length - 1];
  const problems: string[] = [];
  if (x.rank < 2) problems.push(`x must be [N, ..., C] with rank >= 2; got [${x.shape.join(', ')}]`);
  if (gamma.rank !== 1 || gamma.shape[0] !== channels) problems.push(`gamma must be [${channels}]; got [${gamma.shape.join(', ')}]`);
  if (beta.rank !== 1 || beta.shape[0] !== channels) problems.push(`beta must be [${channels}]; got [${beta.shape.join(', ')}]`);
  if (residual !== undefined && !tf.util.arraysEqual(residual.shape, x.shape)) {
    problems.push(`residual must have x's shape [${x.shape.join(', ')}]; got [${residual.shape.join(', ')}]`);
  }
  if (problems.length > 0) throw new Error(`batchNormTraining: ${problems.join('; ')}`);
}

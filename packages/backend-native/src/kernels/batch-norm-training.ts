import type { TensorInfo } from '@tensorflow/tfjs-core';
import {
  optionalInput, readFloat32, requiredInput, type NativeKernelArgs, type NativeKernelConfig,
} from '../native-kernel.js';

// Kernels behind batchNormTraining (src/batch-norm-training.ts). They exist only on `native`;
// the op composes standard ops on other backends. x is [..., C] float32, statistics are [C].

/** Kernel names; the Csi prefix keeps them apart from TensorFlow.js's own kernel names. */
export const BATCH_NORM_STATISTICS = 'CsiBatchNormStatistics';
export const BATCH_NORM_FORWARD = 'CsiBatchNormForward';
export const BATCH_NORM_BACKWARD = 'CsiBatchNormBackward';

export interface BatchNormTrainingAttrs {
  epsilon: number;
  /** Forward: apply max(0, ·). Backward: unused (passing y selects the relu gradient). */
  relu: boolean;
  /** Backward: also return the gradient of the residual input. */
  residual: boolean;
}

function float32Of(args: NativeKernelArgs, kernelName: string, name: string): Float32Array {
  const values = readFloat32(args.backend, requiredInput(args, kernelName, name));
  if (values === null) throw new Error(`${kernelName}: input "${name}" must be a float32 tensor stored in the native backend`);
  return values;
}

function optionalFloat32Of(args: NativeKernelArgs, kernelName: string, name: string): Float32Array | null {
  return optionalInput(args, name) === undefined ? null : float32Of(args, kernelName, name);
}

/** { x } -> [mean [C], variance [C]] (biased, over every axis but the last). */
function statistics(args: NativeKernelArgs): TensorInfo[] {
  const x = requiredInput(args, BATCH_NORM_STATISTICS, 'x');
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  args.backend.addon.batchNormStatistics(float32Of(args, BATCH_NORM_STATISTICS, 'x'), mean, variance, channels);
  return [
    args.backend.makeTensorInfo([channels], 'float32', mean),
    args.backend.makeTensorInfo([channels], 'float32', variance),
  ];
}

/** { x, mean, variance, gamma, beta, residual? } -> y of x's shape. */
function forward(args: NativeKernelArgs): TensorInfo {
  const x = requiredInput(args, BATCH_NORM_FORWARD, 'x');
  const { epsilon, relu } = args.attrs as unknown as BatchNormTrainingAttrs;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const xValues = float32Of(args, BATCH_NORM_FORWARD, 'x');
  const y = args.backend.allocateOutput(xValues.length);
  args.backend.addon.batchNormForward(
    xValues,
    float32Of(args, BATCH_NORM_FORWARD, 'mean'),
    float32Of(args, BATCH_NORM_FORWARD, 'variance'),
    float32Of(args, BATCH_NORM_FORWARD, 'gamma'),
    float32Of(args, BATCH_NORM_FORWARD, 'beta'),
    optionalFloat32Of(args, BATCH_NORM_FORWARD, 'residual'),
    y, channels, epsilon, relu,
  );
  return args.backend.makeTensorInfo(x.shape, 'float32', y);
}

/**
 * { dy, x, mean, variance, gamma, y? } -> [dx, dgamma, dbeta] and, when attrs.residual, dResidual.
 * y (the forward output) is passed when the forward applied relu; dResidual is the gradient
 * after the relu.
 */
function backward(args: NativeKernelArgs): TensorInfo[] {
  const x = requiredInput(args, BATCH_NORM_BACKWARD, 'x');
  const { epsilon, residual } = args.attrs as unknown as BatchNormTrainingAttrs;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const xValues = float32Of(args, BATCH_NORM_BACKWARD, 'x');
  const dx = args.backend.allocateOutput(xValues.length);
  const dResidual = residual ? args.backend.allocateOutput(xValues.length) : null;
  const dgamma = new Float32Array(channels);
  const dbeta = new Float32Array(channels);
  args.backend.addon.batchNormBackward(
    float32Of(args, BATCH_NORM_BACKWARD, 'dy'),
    xValues,
    float32Of(args, BATCH_NORM_BACKWARD, 'mean'),
    float32Of(args, BATCH_NORM_BACKWARD, 'variance'),
    float32Of(args, BATCH_NORM_BACKWARD, 'gamma'),
    optionalFloat32Of(args, BATCH_NORM_BACKWARD, 'y'),
    dx, dgamma, dbeta, dResidual, channels, epsilon,
  );
  const outputs = [
    args.backend.makeTensorInfo(x.shape, 'float32', dx),
    args.backend.makeTensorInfo([channels], 'float32', dgamma),
    args.backend.makeTensorInfo([channels], 'float32', dbeta),
  ];
  if (dResidual !== null) outputs.push(args.backend.makeTensorInfo(x.shape, 'float32', dResidual));
  return outputs;
}

export const batchNormTrainingConfigs: NativeKernelConfig[] = [
  { kernelName: BATCH_NORM_STATISTICS, kernelFunc: statistics },
  { kernelName: BATCH_NORM_FORWARD, kernelFunc: forward },
  { kernelName: BATCH_NORM_BACKWARD, kernelFunc: backward },
];

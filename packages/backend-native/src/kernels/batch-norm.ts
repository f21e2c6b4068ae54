import { FusedBatchNorm, type FusedBatchNormAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { optionalInput, readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';

/**
 * FusedBatchNorm (tf.batchNorm): offset + (x - mean) * scale / sqrt(variance + epsilon), with
 * x [..., C] float32 and mean, variance, offset, scale each holding C values (shape [C] or
 * [1, ..., C]) -> the shape of x. Parameters of any other size go to the cpu kernel.
 */
function batchNorm(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const x = requiredInput(args, FusedBatchNorm, 'x');
  const mean = requiredInput(args, FusedBatchNorm, 'mean');
  const variance = requiredInput(args, FusedBatchNorm, 'variance');
  const offset = optionalInput(args, 'offset');
  const scale = optionalInput(args, 'scale');
  const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const perChannel = (tensor: TensorInfo | undefined): Float32Array | null =>
    tensor !== undefined && sizeOfShape(tensor.shape) === channels ? readFloat32(backend, tensor) : null;
  const xValues = readFloat32(backend, x);
  const meanValues = perChannel(mean);
  const varianceValues = perChannel(variance);
  const offsetValues = offset === undefined ? null : perChannel(offset);
  const scaleValues = scale === undefined ? null : perChannel(scale);
  const supported =
    xValues !== null && xValues.length > 0 && meanValues !== null && varianceValues !== null &&
    (offset === undefined || offsetValues !== null) && (scale === undefined || scaleValues !== null);
  if (!supported) return backend.runCpuKernel(FusedBatchNorm, args);

  const out = backend.allocateOutput(xValues.length);
  backend.addon.batchNorm(xValues, meanValues, varianceValues, offsetValues, scaleValues, out, channels, varianceEpsilon);
  return backend.makeTensorInfo(x.shape, 'float32', out);
}

export const batchNormConfig: NativeKernelConfig = { kernelName: FusedBatchNorm, kernelFunc: batchNorm };

import {
  backend_util, FusedConv2D, type FusedConv2DAttrs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { ACTIVATION_CODES } from '../addon.js';
import { optionalInput, readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { activationCode, convGeometry } from './conv-geometry.js';

/**
 * True when `bias` contains one value per output channel: shape [O] or [1, ..., 1, O]. Other
 * broadcastable biases (a scalar, a per-pixel bias) go to the cpu kernel.
 */
export function isChannelBias(bias: TensorInfo, channels: number): boolean {
  const last = bias.shape.length - 1;
  return last >= 0 && bias.shape.every((dim, d) => (d === last ? dim === channels : dim === 1));
}

/**
 * FusedConv2D: activation(conv2d(x, filter) + bias). x [N, H, W, C] float32, filter
 * [FH, FW, C, O], bias [O] -> [N, OH, OW, O]. prelu runs on the cpu kernel.
 */
function fusedConv2d(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const x = requiredInput(args, FusedConv2D, 'x');
  const filter = requiredInput(args, FusedConv2D, 'filter');
  const bias = optionalInput(args, 'bias');
  const attrs = args.attrs as unknown as FusedConv2DAttrs;
  const code = activationCode(attrs.activation, ACTIVATION_CODES);
  const xValues = readFloat32(backend, x);
  const filterValues = readFloat32(backend, filter);
  const biasValues = bias === undefined ? null : readFloat32(backend, bias);
  const supported =
    code !== undefined && xValues !== null && filterValues !== null && attrs.dataFormat === 'NHWC' &&
    (bias === undefined || (biasValues !== null && isChannelBias(bias, filter.shape[3] ?? 0)));
  if (!supported) return backend.runCpuKernel(FusedConv2D, args);

  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const geometry = convGeometry(info);
  if (geometry === null) return backend.runCpuKernel(FusedConv2D, args);
  const y = backend.allocateOutput(sizeOfShape(info.outShape));
  const done = backend.addon.conv2dForward(
    xValues as Float32Array, filterValues as Float32Array, biasValues, y, geometry, code as number,
    attrs.leakyreluAlpha ?? 0.2,
  );
  if (!done) return backend.runCpuKernel(FusedConv2D, args);
  return backend.makeTensorInfo(info.outShape, 'float32', y);
}

export const fusedConv2dConfig: NativeKernelConfig = { kernelName: FusedConv2D, kernelFunc: fusedConv2d };

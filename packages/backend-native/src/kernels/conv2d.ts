import {
  backend_util, Conv2D, type Conv2DAttrs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { ACTIVATION_CODES } from '../addon.js';
import { readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { convGeometry } from './conv-geometry.js';

/** Conv2D: x [N, H, W, C] float32, filter [FH, FW, C, O] -> [N, OH, OW, O]. */
function conv2d(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const x = requiredInput(args, Conv2D, 'x');
  const filter = requiredInput(args, Conv2D, 'filter');
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
  const xValues = readFloat32(backend, x);
  const filterValues = readFloat32(backend, filter);
  if (xValues === null || filterValues === null || dataFormat !== 'NHWC') return backend.runCpuKernel(Conv2D, args);

  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode, false, 'channelsLast',
  );
  const geometry = convGeometry(info);
  if (geometry === null) return backend.runCpuKernel(Conv2D, args);
  const y = backend.allocateOutput(sizeOfShape(info.outShape));
  if (!backend.addon.conv2dForward(xValues, filterValues, null, y, geometry, ACTIVATION_CODES.linear, 0)) {
    return backend.runCpuKernel(Conv2D, args);
  }
  return backend.makeTensorInfo(info.outShape, 'float32', y);
}

export const conv2dConfig: NativeKernelConfig = { kernelName: Conv2D, kernelFunc: conv2d };

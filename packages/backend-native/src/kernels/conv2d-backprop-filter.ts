import {
  backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { convGeometry } from './conv-geometry.js';

/**
 * Conv2DBackpropFilter: the gradient of conv2d with respect to its filter.
 * x [N, H, W, C] float32, dy [N, OH, OW, O] -> dw of attrs.filterShape [FH, FW, C, O].
 */
function conv2dBackpropFilter(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const x = requiredInput(args, Conv2DBackpropFilter, 'x');
  const dy = requiredInput(args, Conv2DBackpropFilter, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const xValues = readFloat32(backend, x);
  const dyValues = readFloat32(backend, dy);
  if (xValues === null || dyValues === null || dataFormat !== 'NHWC') {
    return backend.runCpuKernel(Conv2DBackpropFilter, args);
  }

  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false,
    'channelsLast',
  );
  const geometry = convGeometry(info);
  const dyMatches = info.outShape.every((dim, d) => dim === dy.shape[d]);
  if (geometry === null || !dyMatches) return backend.runCpuKernel(Conv2DBackpropFilter, args);
  const dw = backend.allocateOutput(sizeOfShape(filterShape));
  if (!backend.addon.conv2dBackwardFilter(xValues, dyValues, dw, geometry)) {
    return backend.runCpuKernel(Conv2DBackpropFilter, args);
  }
  return backend.makeTensorInfo(filterShape, 'float32', dw);
}

export const conv2dBackpropFilterConfig: NativeKernelConfig = {
  kernelName: Conv2DBackpropFilter,
  kernelFunc: conv2dBackpropFilter,
};

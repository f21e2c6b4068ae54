import {
  backend_util, Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { convGeometry } from './conv-geometry.js';

/**
 * Conv2DBackpropInput: the gradient of conv2d with respect to its input (also conv2dTranspose).
 * dy [N, OH, OW, O] float32, filter [FH, FW, C, O] -> dx of attrs.inputShape [N, H, W, C].
 */
function conv2dBackpropInput(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const dy = requiredInput(args, Conv2DBackpropInput, 'dy');
  const filter = requiredInput(args, Conv2DBackpropInput, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const dyValues = readFloat32(backend, dy);
  const filterValues = readFloat32(backend, filter);
  if (dyValues === null || filterValues === null || dataFormat !== 'NHWC') {
    return backend.runCpuKernel(Conv2DBackpropInput, args);
  }

  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false,
    'channelsLast',
  );
  const geometry = convGeometry(info);
  const dyMatches = info.outShape.every((dim, d) => dim === dy.shape[d]);
  if (geometry === null || !dyMatches) return backend.runCpuKernel(Conv2DBackpropInput, args);
  const dx = backend.allocateOutput(sizeOfShape(inputShape));
  if (!backend.addon.conv2dBackwardData(dyValues, filterValues, dx, geometry)) {
    return backend.runCpuKernel(Conv2DBackpropInput, args);
  }
  return backend.makeTensorInfo(inputShape, 'float32', dx);
}

export const conv2dBackpropInputConfig: NativeKernelConfig = {
  kernelName: Conv2DBackpropInput,
  kernelFunc: conv2dBackpropInput,
};

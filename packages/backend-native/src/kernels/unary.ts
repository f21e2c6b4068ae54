import type { TensorInfo } from '@tensorflow/tfjs-core';
import { UNARY_OP_CODES } from '../addon.js';
import { readFloat32, requiredInput, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';

type UnaryKernelName = keyof typeof UNARY_OP_CODES;

/**
 * Makes the kernel for one element-wise op on a float32 tensor -> float32 of the same shape.
 * Step reads attrs.alpha (the value for x <= 0), LeakyRelu reads attrs.alpha (the slope); other
 * dtypes go to the cpu kernel.
 */
function makeUnaryKernel(kernelName: UnaryKernelName): NativeKernelConfig {
  const opCode = UNARY_OP_CODES[kernelName];
  const kernelFunc = (args: NativeKernelArgs): TensorInfo | TensorInfo[] => {
    const { backend } = args;
    const x = requiredInput(args, kernelName, 'x');
    const xValues = readFloat32(backend, x);
    if (xValues === null || xValues.length === 0) return backend.runCpuKernel(kernelName, args);
    const alpha = Number((args.attrs as { alpha?: number } | undefined)?.alpha ?? 0);
    const out = backend.allocateOutput(xValues.length);
    backend.addon.unary(opCode, xValues, out, alpha);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
  return { kernelName, kernelFunc };
}

export const unaryConfigs: NativeKernelConfig[] = (Object.keys(UNARY_OP_CODES) as UnaryKernelName[]).map(
  makeUnaryKernel,
);

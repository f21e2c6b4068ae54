import type { TensorInfo } from '@tensorflow/tfjs-core';
import { UNARY_OP_CODES } from '../addon.js';
import { readFloat32, requiredInput, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';

type UnaryKernelName = keyof typeof UNARY_OP_CODES;

/**
 * Makes the kernel for one element-wise op on a float32 tensor -> float32 of the same shape.
 * Step reads attrs.alpha (the value for x <= 0), LeakyRelu attrs.alpha (the slope) and
 * ClipByValue attrs.clipValueMin and attrs.clipValueMax. Other dtypes go to the cpu kernel.
 */
function makeUnaryKernel(kernelName: UnaryKernelName): NativeKernelConfig {
  const opCode = UNARY_OP_CODES[kernelName];
  const kernelFunc = (args: NativeKernelArgs): TensorInfo | TensorInfo[] => {
    const { backend } = args;
    const x = requiredInput(args, kernelName, 'x');
    const xValues = readFloat32(backend, x);
    if (xValues === null || xValues.length === 0) return backend.runCpuKernel(kernelName, args);
    const attrs = (args.attrs ?? {}) as { alpha?: number; clipValueMin?: number; clipValueMax?: number };
    const alpha = Number(kernelName === 'ClipByValue' ? attrs.clipValueMin : (attrs.alpha ?? 0));
    const beta = Number(kernelName === 'ClipByValue' ? attrs.clipValueMax : 0);
    const out = backend.allocateOutput(xValues.length);
    backend.addon.unary(opCode, xValues, out, alpha, beta);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
  return { kernelName, kernelFunc };
}

export const unaryConfigs: NativeKernelConfig[] = (Object.keys(UNARY_OP_CODES) as UnaryKernelName[]).map(
  makeUnaryKernel,
);

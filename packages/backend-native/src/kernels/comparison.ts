import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { COMPARISON_OP_CODES } from '../addon.js';
import { readFourByteValues, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { broadcastStrides, collapseLayout, MAX_STRIDED_RANK } from '../strided-layout.js';

type ComparisonKernelName = keyof typeof COMPARISON_OP_CODES;

/**
 * Makes the kernel for one broadcasting comparison: a and b, both float32 or both int32, of
 * shapes that broadcast -> bool of the broadcast shape. Other dtypes (bool, mixed) and shapes
 * that do not broadcast go to the cpu kernel.
 */
function makeComparisonKernel(kernelName: ComparisonKernelName): NativeKernelConfig {
  const opCode = COMPARISON_OP_CODES[kernelName];
  const kernelFunc = (args: NativeKernelArgs): TensorInfo | TensorInfo[] => {
    const { backend } = args;
    const a = requiredInput(args, kernelName, 'a');
    const b = requiredInput(args, kernelName, 'b');
    const aValues = readFourByteValues(backend, a);
    const bValues = readFourByteValues(backend, b);
    if (aValues === null || bValues === null || a.dtype !== b.dtype) return backend.runCpuKernel(kernelName, args);
    let outShape: number[];
    try {
      outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return backend.runCpuKernel(kernelName, args);
    }
    const size = sizeOfShape(outShape);
    const layout = collapseLayout(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
    if (size === 0 || layout.dims.length > MAX_STRIDED_RANK) return backend.runCpuKernel(kernelName, args);
    const out = new Uint8Array(size);
    backend.addon.compare(opCode, aValues, bValues, out, layout.dims, layout.strides[0] ?? [], layout.strides[1] ?? []);
    return backend.makeTensorInfo(outShape, 'bool', out);
  };
  return { kernelName, kernelFunc };
}

export const comparisonConfigs: NativeKernelConfig[] = (Object.keys(COMPARISON_OP_CODES) as ComparisonKernelName[]).map(
  makeComparisonKernel,
);

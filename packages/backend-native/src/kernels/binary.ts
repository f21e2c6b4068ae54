import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { BINARY_OP_CODES } from '../addon.js';
import { readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { broadcastStrides, collapseLayout, MAX_STRIDED_RANK } from '../strided-layout.js';

type BinaryKernelName = keyof typeof BINARY_OP_CODES;

/**
 * Makes the kernel for one broadcasting binary op on float32 tensors: a and b of shapes that
 * broadcast (numpy rules) -> the broadcast shape. Other dtypes and shapes that do not broadcast
 * go to the cpu kernel, which computes or reports them.
 */
function makeBinaryKernel(kernelName: BinaryKernelName): NativeKernelConfig {
  const opCode = BINARY_OP_CODES[kernelName];
  const kernelFunc = (args: NativeKernelArgs): TensorInfo | TensorInfo[] => {
    const { backend } = args;
    const a = requiredInput(args, kernelName, 'a');
    const b = requiredInput(args, kernelName, 'b');
    const aValues = readFloat32(backend, a);
    const bValues = readFloat32(backend, b);
    if (aValues === null || bValues === null) return backend.runCpuKernel(kernelName, args);
    let outShape: number[];
    try {
      outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return backend.runCpuKernel(kernelName, args);
    }
    const size = sizeOfShape(outShape);
    const layout = collapseLayout(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
    if (size === 0 || layout.dims.length > MAX_STRIDED_RANK) return backend.runCpuKernel(kernelName, args);
    const out = backend.allocateOutput(size);
    backend.addon.binary(opCode, aValues, bValues, out, layout.dims, layout.strides[0] ?? [], layout.strides[1] ?? []);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
  return { kernelName, kernelFunc };
}

export const binaryConfigs: NativeKernelConfig[] = (Object.keys(BINARY_OP_CODES) as BinaryKernelName[]).map(
  makeBinaryKernel,
);

import { BatchMatMul, type BatchMatMulAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { ACTIVATION_CODES } from '../addon.js';
import { readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { planMatMul } from './mat-mul-geometry.js';

/** BatchMatMul: a [...B, M, K] x b [...B, K, N] -> [...B, M, N] float32; either may be transposed. */
function batchMatMul(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const a = requiredInput(args, BatchMatMul, 'a');
  const b = requiredInput(args, BatchMatMul, 'b');
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  const aValues = readFloat32(backend, a);
  const bValues = readFloat32(backend, b);
  const plan = planMatMul(a, b, transposeA, transposeB);
  if (aValues === null || bValues === null || plan === null) return backend.runCpuKernel(BatchMatMul, args);
  const out = backend.allocateOutput(sizeOfShape(plan.outShape));
  if (!backend.addon.matMul(aValues, bValues, null, out, plan.geometry, ACTIVATION_CODES.linear, 0)) {
    return backend.runCpuKernel(BatchMatMul, args);
  }
  return backend.makeTensorInfo(plan.outShape, 'float32', out);
}

export const batchMatMulConfig: NativeKernelConfig = { kernelName: BatchMatMul, kernelFunc: batchMatMul };

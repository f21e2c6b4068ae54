import { _FusedMatMul, type _FusedMatMulAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { ACTIVATION_CODES } from '../addon.js';
import { optionalInput, readFloat32, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { activationCode } from './conv-geometry.js';
import { isChannelBias } from './fused-conv2d.js';
import { planMatMul } from './mat-mul-geometry.js';

/**
 * _FusedMatMul: activation(a x b + bias). a [...B, M, K], b [...B, K, N], bias [N] -> [...B, M, N]
 * float32. prelu and biases of other shapes run on the cpu kernel.
 */
function fusedMatMul(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const a = requiredInput(args, _FusedMatMul, 'a');
  const b = requiredInput(args, _FusedMatMul, 'b');
  const bias = optionalInput(args, 'bias');
  const attrs = args.attrs as unknown as _FusedMatMulAttrs;
  const code = activationCode(attrs.activation, ACTIVATION_CODES);
  const aValues = readFloat32(backend, a);
  const bValues = readFloat32(backend, b);
  const biasValues = bias === undefined ? null : readFloat32(backend, bias);
  const plan = planMatMul(a, b, attrs.transposeA, attrs.transposeB);
  const columns = plan?.outShape[plan.outShape.length - 1] ?? 0;
  const supported =
    code !== undefined && aValues !== null && bValues !== null && plan !== null &&
    (bias === undefined || (biasValues !== null && isChannelBias(bias, columns)));
  if (!supported) return backend.runCpuKernel(_FusedMatMul, args);

  const out = backend.allocateOutput(sizeOfShape(plan.outShape));
  const done = backend.addon.matMul(
    aValues as Float32Array, bValues as Float32Array, biasValues, out, plan.geometry, code as number,
    attrs.leakyreluAlpha ?? 0.2,
  );
  if (!done) return backend.runCpuKernel(_FusedMatMul, args);
  return backend.makeTensorInfo(plan.outShape, 'float32', out);
}

export const fusedMatMulConfig: NativeKernelConfig = { kernelName: _FusedMatMul, kernelFunc: fusedMatMul };

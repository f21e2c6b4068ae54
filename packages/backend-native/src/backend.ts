import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import { batchMatMulConfig } from './kernels/batch-mat-mul.js';
import { batchNormConfig } from './kernels/batch-norm.js';
import { batchNormTrainingConfigs } from './kernels/batch-norm-training.js';
import { binaryConfigs } from './kernels/binary.js';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/conv2d-backprop-input.js';
import { conv2dConfig } from './kernels/conv2d.js';
import { padV2Config, sliceConfig, tileConfig, transposeConfig } from './kernels/copy.js';
import { fusedConv2dConfig } from './kernels/fused-conv2d.js';
import { fusedMatMulConfig } from './kernels/fused-mat-mul.js';
import { reduceConfigs } from './kernels/reduce.js';
import { unaryConfigs } from './kernels/unary.js';
import type { NativeKernelArgs, NativeKernelConfig } from './native-kernel.js';

/** The name under which the backend is registered with TensorFlow.js. */
export const NATIVE_BACKEND_NAME = 'native';

/**
 * Kernels that run in the addon: overrides of cpu kernels, and the batchNormTraining kernels that
 * exist only here. Every other kernel is the cpu backend's.
 */
export const NATIVE_KERNELS: readonly NativeKernelConfig[] = [
  conv2dConfig,
  fusedConv2dConfig,
  conv2dBackpropInputConfig,
  conv2dBackpropFilterConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  batchNormConfig,
  tileConfig,
  transposeConfig,
  sliceConfig,
  padV2Config,
  ...binaryConfigs,
  ...unaryConfigs,
  ...reduceConfigs,
  ...batchNormTrainingConfigs,
];

/**
 * The cpu backend with its tensor storage unchanged (JS typed arrays), so the cpu kernels run on
 * it as they are and native kernels read and write the same arrays without copying.
 */
export class NativeBackend extends MathBackendCPU {
  constructor(readonly addon: NativeAddon) {
    super();
    // MathBackendCPU warns once per process to install tfjs-node; here the fast path is this addon.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** Runs the cpu backend's kernel for `kernelName` on this backend's data. */
  runCpuKernel(kernelName: string, args: NativeKernelArgs): TensorInfo | TensorInfo[] {
    const config = tf.getKernel(kernelName, 'cpu');
    if (config === undefined) {
      throw new Error(`native backend: no cpu kernel "${kernelName}" to fall back to; import @tensorflow/tfjs-backend-cpu`);
    }
    return config.kernelFunc({ inputs: args.inputs, attrs: args.attrs ?? {}, backend: this });
  }
}

/** Registers the backend and its kernels unless already done; the addon must be loaded. */
export function registerBackendOnce(addon: NativeAddon): void {
  if (tf.findBackendFactory(NATIVE_BACKEND_NAME) === null) {
    // Priority 0, below cpu's 1: registering does not make `native` the default; setBackend does.
    tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon), 0);
  }
  const nativeNames = new Set(NATIVE_KERNELS.map((config) => config.kernelName));
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (nativeNames.has(config.kernelName) || tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME)) continue;
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME });
  }
  for (const config of NATIVE_KERNELS) {
    const registered = tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME);
    if (registered?.kernelFunc === (config.kernelFunc as unknown as KernelFunc)) continue;
    if (registered !== undefined) tf.unregisterKernel(config.kernelName, NATIVE_BACKEND_NAME);
    tf.registerKernel({
      kernelName: config.kernelName,
      backendName: NATIVE_BACKEND_NAME,
      kernelFunc: config.kernelFunc as unknown as KernelFunc,
    });
  }
}

import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { backend_util, DataType, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import { batchMatMulConfig } from './kernels/batch-mat-mul.js';
import { batchNormConfig } from './kernels/batch-norm.js';
import { batchNormTrainingConfigs } from './kernels/batch-norm-training.js';
import { binaryConfigs } from './kernels/binary.js';
import { comparisonConfigs } from './kernels/comparison.js';
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/conv2d-backprop-input.js';
import { conv2dConfig } from './kernels/conv2d.js';
import { padV2Config, sliceConfig, tileConfig, transposeConfig } from './kernels/copy.js';
import { fusedConv2dConfig } from './kernels/fused-conv2d.js';
import { fusedMatMulConfig } from './kernels/fused-mat-mul.js';
import { reduceConfigs } from './kernels/reduce.js';
import { unaryConfigs } from './kernels/unary.js';
import type { NativeKernelArgs, NativeKernelConfig } from './native-kernel.js';
import { OutputBufferPool } from './output-buffer-pool.js';

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
  ...comparisonConfigs,
  ...unaryConfigs,
  ...reduceConfigs,
  ...batchNormTrainingConfigs,
];

type DataId = Parameters<MathBackendCPU['readSync']>[0];

// Arrays under 64 KiB cost little to allocate. A training step of bench/resnet-model.mjs (stages
// 16/32/64/128, batch 256, 28x28 images) leaves about 620 MB in the pool, and wider nets reuse
// what fits under 1 GiB.
// NOTE: the held memory stays allocated until the backend is disposed.
const POOL_MIN_LENGTH = 16 * 1024;
const POOL_MAX_FREE_BYTES = 1024 * 1024 * 1024;

/**
 * The cpu backend with its tensor storage unchanged (JS typed arrays), so the cpu kernels run on
 * it as they are and native kernels read and write the same arrays without copying. Native
 * kernels take their output arrays from a pool that recycles disposed outputs.
 */
export class NativeBackend extends MathBackendCPU {
  private readonly outputPool = new OutputBufferPool(POOL_MIN_LENGTH, POOL_MAX_FREE_BYTES);

  constructor(readonly addon: NativeAddon) {
    super();
    // MathBackendCPU warns once per process to install tfjs-node; here the fast path is this addon.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** Returns a Float32Array for a kernel output. Its contents are arbitrary, so the kernel must write all of it. */
  allocateOutput(length: number): Float32Array {
    return this.outputPool.take(length);
  }

  /** Runs the cpu backend's kernel for `kernelName` on this backend's data. */
  runCpuKernel(kernelName: string, args: NativeKernelArgs): TensorInfo | TensorInfo[] {
    const config = tf.getKernel(kernelName, 'cpu');
    if (config === undefined) {
      throw new Error(`native backend: no cpu kernel "${kernelName}" to fall back to; import @tensorflow/tfjs-backend-cpu`);
    }
    return config.kernelFunc({ inputs: args.inputs, attrs: args.attrs ?? {}, backend: this });
  }

  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    this.outputPool.noteStored(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.outputPool.noteStored(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    if (this.data.has(dataId)) this.outputPool.noteRead(this.data.get(dataId).values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.outputPool.release(values);
    return released;
  }

  override dispose(): void {
    this.outputPool.clear();
    this.addon.clearCaches();
    super.dispose();
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

import '@tensorflow/tfjs-backend-cpu';
import { INSTALL_HINT, loadNativeAddon } from './addon.js';
import { NATIVE_BACKEND_NAME, NATIVE_KERNELS, registerBackendOnce } from './backend.js';

export { NATIVE_BACKEND_NAME } from './backend.js';
export {
  batchNormTraining, type BatchNormTrainingOptions, type BatchNormTrainingResult,
} from './batch-norm-training.js';

/** Whether the oneDNN addon loads in this process, and why not when it does not. */
export interface NativeBackendStatus {
  available: boolean;
  /** Reason the addon is unavailable, with the steps to get it; absent when available. */
  reason?: string;
  /** oneDNN version the addon runs on, e.g. "2.6.3"; absent when unavailable. */
  oneDnnVersion?: string;
  /** OpenMP threads oneDNN and the addon use (OMP_NUM_THREADS, else one per core). */
  threads?: number;
}

/**
 * Registers the TensorFlow.js backend `native` (once; later calls do nothing) and returns its
 * name. The backend stores tensors like the `cpu` backend. It runs convolutions, matrix products,
 * batch norm, broadcasting element-wise ops and comparisons, reductions and copies (Tile,
 * Transpose, Slice, PadV2) in a oneDNN addon, and every other kernel is the `cpu` backend's.
 * Activate it with `await tf.setBackend(registerNativeBackend())`.
 *
 * @throws Error when the addon is missing or fails to load; the message gives the reason and
 *   the install steps.
 */
export function registerNativeBackend(): string {
  const loaded = loadNativeAddon();
  if ('reason' in loaded) {
    throw new Error(`native backend unavailable: ${loaded.reason}. ${INSTALL_HINT}`);
  }
  registerBackendOnce(loaded.addon);
  return NATIVE_BACKEND_NAME;
}

/** Reports whether the addon loads, without registering anything. */
export function nativeBackendStatus(): NativeBackendStatus {
  const loaded = loadNativeAddon();
  if ('reason' in loaded) return { available: false, reason: `${loaded.reason}. ${INSTALL_HINT}` };
  return { available: true, oneDnnVersion: loaded.runtime.oneDnnVersion, threads: loaded.runtime.maxThreads };
}

/** Names of the kernels that run natively on `native`; all others are the cpu backend's. */
export function nativeKernelNames(): string[] {
  return NATIVE_KERNELS.map((config) => config.kernelName);
}

import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../errors.js';

/**
 * Runs the kernel registered as `kernelName` for 'wasm' directly on `backend`, outside the
 * engine, so the result is neither tracked as a tensor nor recorded on a gradient tape. The
 * caller owns the returned data and frees it with `backend.disposeData(result.dataId)`.
 */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new BackendError(
      `kernel "${kernelName}" is not registered for the wasm backend; import @tensorflow/tfjs-backend-wasm 4.22 before running the wasm training kernels`,
    );
  }
  const result = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(result)) {
    throw new BackendError(`kernel "${kernelName}" returned ${result.length} outputs on the wasm backend; one was expected`);
  }
  return result;
}

/** Frees intermediate results of `runWasmKernel`. */
export function disposeIntermediates(backend: BackendWasm, ...results: tf.TensorInfo[]): void {
  for (const result of results) backend.disposeData(result.dataId);
}

import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';

/** The kernel that @tensorflow/tfjs-backend-wasm registered before ours replaced it. */
let shippedConv2DBackpropInput: tf.KernelConfig | undefined;

const conv2DBackpropFilterKernel: tf.KernelFunc = (args) =>
  conv2DBackpropFilterWasm(args as unknown as Parameters<typeof conv2DBackpropFilterWasm>[0]);

const conv2DBackpropInputKernel: tf.KernelFunc = (args) => {
  const result = conv2DBackpropInputWasm(args as unknown as Parameters<typeof conv2DBackpropInputWasm>[0]);
  if (result !== undefined) return result;
  if (shippedConv2DBackpropInput === undefined) {
    throw new BackendError(
      'Conv2DBackpropInput on wasm handles NHWC with equal row and column strides only, and the kernel of @tensorflow/tfjs-backend-wasm that covers the rest is missing',
    );
  }
  return shippedConv2DBackpropInput.kernelFunc(args);
};

/**
 * Registers, for the 'wasm' backend, the kernels that training a convolutional network needs
 * and @tensorflow/tfjs-backend-wasm 4.22 lacks or runs slowly:
 * - `Conv2DBackpropFilter` (missing there), as a dilated XNNPACK convolution;
 * - `Conv2DBackpropInput` (a scalar loop there), as an XNNPACK convolution of dy.
 *
 * Call it after importing @tensorflow/tfjs-backend-wasm, which registers the kernels replaced
 * here, and before or after `tf.setBackend('wasm')`. Calling it again does nothing.
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel(tf.Conv2D, 'wasm') === undefined) {
    throw new BackendError(
      'registerWasmTrainingKernels: the wasm kernels are not registered; import @tensorflow/tfjs-backend-wasm first',
    );
  }
  replaceKernel(tf.Conv2DBackpropFilter, conv2DBackpropFilterKernel);
  const replaced = replaceKernel(tf.Conv2DBackpropInput, conv2DBackpropInputKernel);
  if (replaced !== undefined) shippedConv2DBackpropInput = replaced;
}

/** Registers `kernelFunc` under `kernelName` for wasm and returns the config it replaced, if any. */
function replaceKernel(kernelName: string, kernelFunc: tf.KernelFunc): tf.KernelConfig | undefined {
  const existing = tf.getKernel(kernelName, 'wasm');
  if (existing?.kernelFunc === kernelFunc) return undefined;
  // Unregistering first avoids tfjs's "already registered" warning. The shipped kernel's setup
  // function stays with the name, because the backend runs it on initialisation to bind the
  // C++ function that the fallback calls.
  if (existing !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc,
    ...(existing?.setupFunc === undefined ? {} : { setupFunc: existing.setupFunc }),
  });
  return existing;
}

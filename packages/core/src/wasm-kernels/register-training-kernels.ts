import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import { batchMatMulWasm } from './batch-mat-mul.js';
import { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
import { castWasm, identityWasm } from './identity.js';
import { meanWasm, sumWasm } from './leading-axes-reduction.js';
import { tileWasm } from './tile.js';

/** Kernels that @tensorflow/tfjs-backend-wasm registered before ours replaced them, by name. */
const shippedKernels = new Map<string, tf.KernelConfig>();

type PartialKernelFunc = (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | undefined;

/**
 * Returns the kernel that @tensorflow/tfjs-backend-wasm registered as `kernelName`, which ours
 * calls for `purpose`.
 */
function requireShippedKernel(kernelName: string, purpose: string): tf.KernelFunc {
  const shipped = shippedKernels.get(kernelName);
  if (shipped === undefined) {
    throw new BackendError(
      `${kernelName} on wasm needs the kernel of @tensorflow/tfjs-backend-wasm that it replaced, for ${purpose}, but none was registered; import @tensorflow/tfjs-backend-wasm before calling registerWasmTrainingKernels`,
    );
  }
  return shipped.kernelFunc;
}

/** Runs `kernel`, or the shipped kernel of that name for the `unsupported` cases, where `kernel` returns `undefined`. */
function withShippedFallback(kernelName: string, kernel: PartialKernelFunc, unsupported: string): tf.KernelFunc {
  return (args) => kernel(args) ?? requireShippedKernel(kernelName, unsupported)(args);
}

const trainingKernels: readonly { kernelName: string; kernelFunc: tf.KernelFunc }[] = [
  {
    kernelName: tf.Conv2DBackpropFilter,
    kernelFunc: (args) => conv2DBackpropFilterWasm(args as unknown as Parameters<typeof conv2DBackpropFilterWasm>[0]),
  },
  {
    kernelName: tf.Conv2DBackpropInput,
    kernelFunc: withShippedFallback(
      tf.Conv2DBackpropInput,
      (args) => conv2DBackpropInputWasm(args as unknown as Parameters<typeof conv2DBackpropInputWasm>[0]),
      'NCHW and unequal row and column strides',
    ),
  },
  {
    kernelName: tf.Tile,
    kernelFunc: withShippedFallback(
      tf.Tile,
      (args) => tileWasm(args as unknown as Parameters<typeof tileWasm>[0]),
      'other dtypes and tilings into more than 6 broadcast dimensions',
    ),
  },
  {
    kernelName: tf.Sum,
    kernelFunc: withShippedFallback(
      tf.Sum,
      (args) => sumWasm(args as unknown as Parameters<typeof sumWasm>[0]),
      'other dtypes and other axes',
    ),
  },
  {
    kernelName: tf.Mean,
    kernelFunc: withShippedFallback(
      tf.Mean,
      (args) => meanWasm(args as unknown as Parameters<typeof meanWasm>[0]),
      'other dtypes and other axes',
    ),
  },
  {
    kernelName: tf.BatchMatMul,
    kernelFunc: (args) =>
      batchMatMulWasm(
        args as unknown as Parameters<typeof batchMatMulWasm>[0],
        requireShippedKernel(tf.BatchMatMul, 'the matrix product itself'),
      ),
  },
  {
    kernelName: tf.Identity,
    kernelFunc: withShippedFallback(
      tf.Identity,
      (args) => identityWasm(args as unknown as Parameters<typeof identityWasm>[0]),
      'string tensors',
    ),
  },
  {
    kernelName: tf.Cast,
    kernelFunc: withShippedFallback(
      tf.Cast,
      (args) => castWasm(args as unknown as Parameters<typeof castWasm>[0]),
      'conversions between dtypes',
    ),
  },
];

/**
 * Registers, for the 'wasm' backend, the kernels that training a convolutional network needs
 * and @tensorflow/tfjs-backend-wasm 4.22 lacks or runs slowly:
 * - `Conv2DBackpropFilter` (missing there), as a dilated XNNPACK convolution;
 * - `Conv2DBackpropInput` (a scalar loop there), as an XNNPACK convolution of dy;
 * - `Tile` (indexes each element there; the gradient of tf.batchNorm uses it), as a
 *   broadcasting Multiply;
 * - `Sum` and `Mean` over the leading axes (transposed first there; batch norm and its
 *   gradient reduce so), as average pooling over the whole tensor;
 * - `Identity` and same-dtype `Cast` (copies there; the gradient tape clones every tensor it
 *   saves), as a shared buffer;
 * - `BatchMatMul` with a transposed operand and batch size 1 (a scalar loop there; dense-layer
 *   gradients multiply so), as a transpose and XNNPACK's matrix product.
 * The replaced kernels remain the fallback for the cases ours do not handle.
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
  for (const { kernelName, kernelFunc } of trainingKernels) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing !== undefined) {
      shippedKernels.set(kernelName, existing);
      // Unregistering first avoids tfjs's "already registered" warning.
      tf.unregisterKernel(kernelName, 'wasm');
    }
    // The shipped kernel's setup function stays with the name, because the backend runs it on
    // initialisation to bind the C++ function that the fallback calls.
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc,
      ...(existing?.setupFunc === undefined ? {} : { setupFunc: existing.setupFunc }),
    });
  }
}

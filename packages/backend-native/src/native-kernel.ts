import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeBackend } from './backend.js';

/** Arguments the engine passes to a kernel registered for the `native` backend. */
export interface NativeKernelArgs {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: NativeBackend;
}

/** A kernel that replaces the cpu backend's kernel of the same name on `native`. */
export interface NativeKernelConfig {
  kernelName: string;
  kernelFunc: (args: NativeKernelArgs) => TensorInfo | TensorInfo[];
}

/** The input `name` of a kernel call; throws when the engine did not pass it. */
export function requiredInput(args: NativeKernelArgs, kernelName: string, name: string): TensorInfo {
  const tensor = args.inputs[name];
  if (tensor === undefined || tensor === null) {
    throw new Error(`native backend: ${kernelName} was called without its input "${name}"`);
  }
  return tensor;
}

/** The input `name` of a kernel call, or undefined when it was not passed (an optional bias). */
export function optionalInput(args: NativeKernelArgs, name: string): TensorInfo | undefined {
  return args.inputs[name] ?? undefined;
}

/**
 * The Float32Array that stores a float32 tensor in the backend, shared and not copied, or null
 * for other dtypes (and for complex tensors, which store no values of their own). Kernels must
 * not write to it.
 */
export function readFloat32(backend: NativeBackend, tensor: TensorInfo): Float32Array | null {
  if (tensor.dtype !== 'float32') return null;
  const values = backend.data.get(tensor.dataId).values;
  return values instanceof Float32Array && values.length === sizeOfShape(tensor.shape) ? values : null;
}

/** Like readFloat32, and also accepts int32 tensors: copies need only the element size. */
export function readFourByteValues(backend: NativeBackend, tensor: TensorInfo): Float32Array | Int32Array | null {
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') return null;
  const values = backend.data.get(tensor.dataId).values;
  const typed = values instanceof Float32Array || values instanceof Int32Array;
  return typed && values.length === sizeOfShape(tensor.shape) ? values : null;
}

/** Number of elements of a shape. */
export function sizeOfShape(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

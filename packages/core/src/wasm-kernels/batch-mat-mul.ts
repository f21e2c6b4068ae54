import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeIntermediates, runWasmKernel } from './wasm-kernel-calls.js';

/**
 * BatchMatMul on the wasm backend that transposes flagged operands of a float32 product with
 * batch size 1 up front and then calls `shippedBatchMatMul` without transpose flags. wasm's
 * BatchMatMul runs XNNPACK only for that case and a blocked scalar loop otherwise. Gradients of
 * a dense layer multiply by a transposed operand, and [256, 128]ᵀ · [256, 128] took 8 ms in the
 * loop against under 1 ms after a transpose (Node 20, one thread).
 *
 * Batched products, other dtypes and products without transposes go to `shippedBatchMatMul`
 * unchanged.
 */
export function batchMatMulWasm(
  args: { inputs: tf.BatchMatMulInputs; backend: BackendWasm; attrs: tf.BatchMatMulAttrs },
  shippedBatchMatMul: tf.KernelFunc,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const batchSize = (x: tf.TensorInfo) => tf.util.sizeFromShape(x.shape.slice(0, -2));
  const rewrite =
    (attrs.transposeA || attrs.transposeB) &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    batchSize(a) === 1 &&
    batchSize(b) === 1;
  if (!rewrite) return shippedBatchMatMul(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;

  const owned: tf.TensorInfo[] = [];
  const swapLastAxes = (x: tf.TensorInfo) => {
    const perm = x.shape.map((_, axis) => axis);
    perm.splice(-2, 2, x.shape.length - 1, x.shape.length - 2);
    const transposed = runWasmKernel(backend, 'Transpose', { x }, { perm });
    owned.push(transposed);
    return transposed;
  };
  try {
    return shippedBatchMatMul({
      backend,
      inputs: { a: attrs.transposeA ? swapLastAxes(a) : a, b: attrs.transposeB ? swapLastAxes(b) : b },
      attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
  } finally {
    disposeIntermediates(backend, ...owned);
  }
}

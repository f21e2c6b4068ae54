import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeIntermediates, runWasmKernel } from './wasm-kernel-calls.js';

/**
 * Sum and Mean of float32 tensors over their leading axes on the wasm backend. Batch norm and its
 * gradient reduce an NHWC batch so, over all axes but the channels. wasm's own kernels first
 * transpose the reduced axes to the end. Here the tensor is read as one image, and an average-
 * pooling window over all of it lets XNNPACK sum each channel in place. For [256, 28, 28, 16]
 * over axes 0, 1, 2 that took about 1 ms where Sum took 16 ms (Node 20, one thread, other work
 * on the machine).
 *
 * Both return `undefined` where the reduced axes are not the leading ones, for other dtypes,
 * and where the reduced axes hold one element in all, so the caller can use the kernel wasm
 * ships.
 */
export function sumWasm(args: { inputs: tf.SumInputs; backend: BackendWasm; attrs: tf.SumAttrs }): tf.TensorInfo | undefined {
  return reduceLeadingAxes(args.inputs.x as tf.TensorInfo, args.attrs, args.backend, 'sum');
}

/** Mean over the leading axes; see `sumWasm`. */
export function meanWasm(args: { inputs: tf.MeanInputs; backend: BackendWasm; attrs: tf.MeanAttrs }): tf.TensorInfo | undefined {
  return reduceLeadingAxes(args.inputs.x as tf.TensorInfo, args.attrs, args.backend, 'mean');
}

function reduceLeadingAxes(
  x: tf.TensorInfo,
  attrs: { axis: number | number[]; keepDims: boolean },
  backend: BackendWasm,
  reduction: 'sum' | 'mean',
): tf.TensorInfo | undefined {
  if (x.dtype !== 'float32') return undefined;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
  const leadingCount = axes.length;
  const sortedAxes = [...axes].sort((a, b) => a - b);
  if (leadingCount === 0 || sortedAxes.some((axis, index) => axis !== index)) return undefined;

  const reducedSize = tf.util.sizeFromShape(x.shape.slice(0, leadingCount));
  const keptShape = x.shape.slice(leadingCount);
  // With one element per channel there is nothing to reduce, and an empty tensor has nothing to pool.
  if (reducedSize <= 1 || tf.util.sizeFromShape(keptShape) === 0) return undefined;

  // The window covers the image [1, rows, columns, kept] exactly, so the one output pixel is the
  // mean over every leading position.
  const columns = leadingCount > 1 ? x.shape[leadingCount - 1]! : 1;
  const rows = reducedSize / columns;
  const image = { ...x, shape: [1, rows, columns, tf.util.sizeFromShape(keptShape)] };
  const outShape = attrs.keepDims ? [...x.shape.slice(0, leadingCount).map(() => 1), ...keptShape] : keptShape;
  const mean = runWasmKernel(backend, 'AvgPool', { x: image }, {
    filterSize: [rows, columns],
    strides: [1, 1],
    pad: 'valid',
  });
  if (reduction === 'mean') return { ...mean, shape: outShape };

  const count = backend.makeOutput([], 'float32', undefined, new Float32Array([reducedSize]));
  try {
    const sum = runWasmKernel(backend, 'Multiply', { a: mean, b: count });
    return { ...sum, shape: outShape };
  } finally {
    disposeIntermediates(backend, mean, count);
  }
}

import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../errors.js';
import { planFilterGradientAxis } from './conv-geometry.js';
import { disposeIntermediates, runWasmKernel } from './wasm-kernel-calls.js';

/**
 * Conv2DBackpropFilter for the wasm backend, which @tensorflow/tfjs-backend-wasm 4.22 lacks.
 * Inputs x [N, H, W, Ci] and dy [N, Ho, Wo, Co], float32, NHWC; returns dW [KH, KW, Ci, Co].
 *
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − top, ow·s + kw − left, ci] · dy[n, oh, ow, co]
 * is itself a convolution once the batch becomes the channel axis: the input is x as
 * [Ci, H, W, N], the filter is dy as [Ho, Wo, N, Co] dilated by the stride, and the result is
 * [Ci, KH, KW, Co]. That puts all the arithmetic in wasm's XNNPACK Conv2D. The rest is a
 * transpose of each input, one of the filter-sized result and, for strided 1×1 filters, a
 * subsampling step.
 */
export function conv2DBackpropFilterWasm(args: {
  inputs: tf.Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: tf.Conv2DBackpropFilterAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC') {
    throw new BackendError(`Conv2DBackpropFilter on wasm supports dataFormat NHWC only; got ${dataFormat}. Use NHWC tensors.`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inChannels, outChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const dyShape = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.join() !== dyShape.join()) {
    throw new BackendError(
      `Conv2DBackpropFilter on wasm: dy must be [N, Ho, Wo, Co] = [${dyShape.join(', ')}] for x [${x.shape.join(', ')}] and filter [${filterShape.join(', ')}]; got [${dy.shape.join(', ')}]`,
    );
  }

  const rows = planFilterGradientAxis(info.inHeight, outHeight, filterHeight, info.strideHeight, info.padInfo.top);
  const columns = planFilterGradientAxis(info.inWidth, outWidth, filterWidth, info.strideWidth, info.padInfo.left);
  if (rows === null || columns === null) {
    return backend.makeOutput([...filterShape], 'float32', undefined, new Float32Array(tf.util.sizeFromShape(filterShape)));
  }

  const owned: tf.TensorInfo[] = [];
  try {
    let input = x;
    let rowStride = info.strideHeight;
    let columnStride = info.strideWidth;
    let { padBefore: top, padAfter: bottom } = rows;
    let { padBefore: left, padAfter: right } = columns;
    if (filterHeight === 1 && filterWidth === 1 && (rowStride > 1 || columnStride > 1)) {
      // A 1×1 filter reads only every stride-th pixel, so taking those first shrinks the
      // transposes by stride². A 1×1 convolution with the identity filter takes them in 4 ms for
      // x [256, 28, 28, 16], where wasm's StridedSlice took 112 ms (Node 20, one thread).
      input = subsampleWithIdentity(backend, x, info);
      owned.push(input);
      [top, bottom, left, right] = [0, 0, 0, 0];
      [rowStride, columnStride] = [1, 1];
    } else if (rows.usedInputSize < info.inHeight || columns.usedInputSize < info.inWidth) {
      input = runWasmKernel(backend, 'Slice', { x }, {
        begin: [0, 0, 0, 0],
        size: [batchSize, rows.usedInputSize, columns.usedInputSize, inChannels],
      });
      owned.push(input);
    }

    const channelsAsBatch = runWasmKernel(backend, 'Transpose', { x: input }, { perm: [3, 1, 2, 0] });
    owned.push(channelsAsBatch);
    const gradientAsFilter = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    owned.push(gradientAsFilter);
    const perChannel = runWasmKernel(backend, 'Conv2D', { x: channelsAsBatch, filter: gradientAsFilter }, {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [rowStride, columnStride],
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap);
    owned.push(perChannel);
    return runWasmKernel(backend, 'Transpose', { x: perChannel }, { perm: [1, 2, 0, 3] });
  } finally {
    disposeIntermediates(backend, ...owned);
  }
}

/** Returns the pixels a strided 1×1 convolution reads, [N, Ho, Wo, Ci], zeros where it reads padding. */
function subsampleWithIdentity(backend: BackendWasm, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const channels = info.inChannels;
  const identity = new Float32Array(channels * channels);
  for (let c = 0; c < channels; c++) identity[c * channels + c] = 1;
  const filter = backend.makeOutput([1, 1, channels, channels], 'float32', undefined, identity);
  try {
    const { top, bottom, left, right } = info.padInfo;
    return runWasmKernel(backend, 'Conv2D', { x, filter }, {
      strides: [info.strideHeight, info.strideWidth],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap);
  } finally {
    disposeIntermediates(backend, filter);
  }
}

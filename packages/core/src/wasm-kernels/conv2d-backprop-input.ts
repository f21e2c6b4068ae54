import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { planInputGradientAxis, type InputGradientAxisPlan } from './conv-geometry.js';
import { disposeIntermediates, runWasmKernel } from './wasm-kernel-calls.js';

/**
 * Conv2DBackpropInput for the wasm backend on XNNPACK. Inputs dy [N, Ho, Wo, Co] and filter
 * [KH, KW, Ci, Co], float32, NHWC; returns dx [N, H, W, Ci] for `attrs.inputShape`.
 *
 * With stride s, dx splits into s² phases: the pixels whose row and column leave the same
 * remainders mod s. Each phase is a stride-1 convolution of dy with part of the filter, rotated
 * by 180° and with its channel axes swapped. One Conv2D with s²·Ci output channels computes
 * every phase, and a transpose interleaves them. So there is no zero-dilated copy of dy, and no
 * multiplications by inserted zeros beyond the taps that one phase lacks and another has.
 *
 * Returns `undefined` for what it does not handle (NCHW, unequal row and column strides), so
 * the caller can use the kernel that @tensorflow/tfjs-backend-wasm ships.
 */
export function conv2DBackpropInputWasm(args: {
  inputs: tf.Conv2DBackpropInputInputs;
  backend: BackendWasm;
  attrs: tf.Conv2DBackpropInputAttrs;
}): tf.TensorInfo | undefined {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dataFormat !== 'NHWC') return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.strideHeight !== info.strideWidth) return undefined;
  const stride = info.strideHeight;

  const rows = planInputGradientAxis(info.inHeight, info.outHeight, info.filterHeight, stride, info.padInfo.top);
  const columns = planInputGradientAxis(info.inWidth, info.outWidth, info.filterWidth, stride, info.padInfo.left);
  const phaseFilter = backend.makeOutput(
    [rows.windowSize, columns.windowSize, info.outChannels, stride * stride * info.inChannels],
    'float32',
    undefined,
    buildPhaseFilter(backend.readSync(filter.dataId) as Float32Array, info, rows, columns),
  );

  const owned: tf.TensorInfo[] = [phaseFilter];
  try {
    let result = runWasmKernel(backend, 'Conv2D', { x: dy, filter: phaseFilter }, {
      strides: [1, 1],
      pad: [[0, 0], [rows.padBefore, rows.padAfter], [columns.padBefore, columns.padAfter], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap);
    if (stride > 1) {
      owned.push(result);
      result = interleavePhases(backend, result, stride, info.inChannels);
    }
    if (result.shape[1] !== info.inHeight || result.shape[2] !== info.inWidth) {
      owned.push(result);
      result = runWasmKernel(backend, 'Slice', { x: result }, { begin: [0, 0, 0, 0], size: [...inputShape] });
    }
    return result;
  } finally {
    disposeIntermediates(backend, ...owned);
  }
}

/**
 * Turns the phase convolution's output [N, Qh, Qw, s²·Ci] into [N, Qh·s, Qw·s, Ci], as
 * DepthToSpace does. It transposes [N·Qh, Qw, s, s·Ci] to [N·Qh, s, Qw, s·Ci], which took about
 * 7 ms for 3.2 M elements. wasm's DepthToSpace indexes each element on its own and took about
 * 100 ms (Node 20, one thread).
 */
function interleavePhases(backend: BackendWasm, phases: tf.TensorInfo, stride: number, channels: number): tf.TensorInfo {
  const [batch, phaseRows, phaseColumns] = phases.shape as [number, number, number, number];
  const grouped = { ...phases, shape: [batch * phaseRows, phaseColumns, stride, stride * channels] };
  const interleaved = runWasmKernel(backend, 'Transpose', { x: grouped }, { perm: [0, 2, 1, 3] });
  return { ...interleaved, shape: [batch, phaseRows * stride, phaseColumns * stride, channels] };
}

/**
 * Lays the forward filter [KH, KW, Ci, Co] out as the phase convolution's filter
 * [Th, Tw, Co, s²·Ci]. Output channel (rowPhase·s + columnPhase)·Ci + ci belongs to pixel
 * (q·s + rowPhase, p·s + columnPhase) of dx, the channel order of DepthToSpace (NHWC).
 */
function buildPhaseFilter(
  filter: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  rows: InputGradientAxisPlan,
  columns: InputGradientAxisPlan,
): Float32Array {
  const { filterWidth, inChannels, outChannels } = info;
  const stride = rows.stride;
  const phaseChannels = stride * stride * inChannels;
  const result = new Float32Array(rows.windowSize * columns.windowSize * outChannels * phaseChannels);
  for (let t = 0; t < rows.windowSize; t++) {
    for (let u = 0; u < columns.windowSize; u++) {
      for (let rowPhase = 0; rowPhase < stride; rowPhase++) {
        const kh = rows.taps[rowPhase]![t]!;
        if (kh < 0) continue;
        for (let columnPhase = 0; columnPhase < stride; columnPhase++) {
          const kw = columns.taps[columnPhase]![u]!;
          if (kw < 0) continue;
          const source = (kh * filterWidth + kw) * inChannels * outChannels;
          const phaseOffset = (rowPhase * stride + columnPhase) * inChannels;
          for (let co = 0; co < outChannels; co++) {
            const target = ((t * columns.windowSize + u) * outChannels + co) * phaseChannels + phaseOffset;
            for (let ci = 0; ci < inChannels; ci++) result[target + ci] = filter[source + ci * outChannels + co]!;
          }
        }
      }
    }
  }
  return result;
}

import {
  PadV2, Slice, slice_util, Tile, Transpose, type PadV2Attrs, type SliceAttrs, type TensorInfo,
  type TileAttrs, type TransposeAttrs,
} from '@tensorflow/tfjs-core';
import { readFourByteValues, requiredInput, sizeOfShape, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';
import { collapseLayout, contiguousStrides, MAX_STRIDED_RANK } from '../strided-layout.js';

/**
 * Copies x into a new tensor of `outShape` (same dtype, float32 or int32): for every index of
 * `dims`, the element at offset `xOffset + Σ index·stridesX` goes to `outOffset + Σ index·stridesOut`.
 * Output elements that no index reaches hold `fillValue`; without one, every element must be reached.
 */
function copyStrided(
  args: NativeKernelArgs, kernelName: string, x: TensorInfo, outShape: number[],
  copy: { dims: number[]; stridesX: number[]; stridesOut: number[]; xOffset?: number; outOffset?: number; fillValue?: number },
): TensorInfo | TensorInfo[] {
  const { backend } = args;
  const xValues = readFourByteValues(backend, x);
  const size = sizeOfShape(outShape);
  const layout = collapseLayout(copy.dims, [copy.stridesX, copy.stridesOut]);
  if (xValues === null || size === 0 || sizeOfShape(copy.dims) === 0 || layout.dims.length > MAX_STRIDED_RANK) {
    return backend.runCpuKernel(kernelName, args);
  }
  // Pooled arrays hold old values, so PadV2 fills its border even when the constant is 0.
  const out = xValues instanceof Float32Array ? backend.allocateOutput(size) : new Int32Array(size);
  if (copy.fillValue !== undefined) out.fill(copy.fillValue);
  backend.addon.stridedCopy(
    xValues.subarray(copy.xOffset ?? 0), out.subarray(copy.outOffset ?? 0), layout.dims,
    layout.strides[0] ?? [], layout.strides[1] ?? [],
  );
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

/** Tile: x [d0, ..., dn] float32 or int32 -> [d0 * reps[0], ..., dn * reps[n]]. */
function tile(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const x = requiredInput(args, Tile, 'x');
  const { reps } = args.attrs as unknown as TileAttrs;
  if (reps.length !== x.shape.length) return args.backend.runCpuKernel(Tile, args);
  const xStrides = contiguousStrides(x.shape);
  const outShape = x.shape.map((dim, d) => dim * (reps[d] ?? 1));
  // Output dimension d splits into (repetition, position in x) in row-major order, so it reads x
  // through dims [reps[d], x.shape[d]] with strides [0, xStrides[d]].
  const dims = x.shape.flatMap((dim, d) => [reps[d] ?? 1, dim]);
  return copyStrided(args, Tile, x, outShape, {
    dims,
    stridesX: x.shape.flatMap((_, d) => [0, xStrides[d] ?? 0]),
    stridesOut: contiguousStrides(dims),
  });
}

/** Transpose: x float32 or int32 -> x with dimensions reordered, out dimension d = x dimension perm[d]. */
function transpose(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const x = requiredInput(args, Transpose, 'x');
  const { perm } = args.attrs as unknown as TransposeAttrs;
  if (perm.length !== x.shape.length) return args.backend.runCpuKernel(Transpose, args);
  const xStrides = contiguousStrides(x.shape);
  const outShape = perm.map((axis) => x.shape[axis] ?? 1);
  return copyStrided(args, Transpose, x, outShape, {
    dims: outShape,
    stridesX: perm.map((axis) => xStrides[axis] ?? 0),
    stridesOut: contiguousStrides(outShape),
  });
}

/**
 * Slice: x float32 or int32 -> x[begin : begin + size] per dimension. A slice that is one
 * contiguous run of x goes to the cpu kernel, which returns a view without copying.
 */
function slice(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const x = requiredInput(args, Slice, 'x');
  const { begin, size } = args.attrs as unknown as SliceAttrs;
  const [start, outShape] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
  slice_util.assertParamsValid(x, start, outShape);
  if (slice_util.isSliceContinous(x.shape, start, outShape)) return args.backend.runCpuKernel(Slice, args);
  const xStrides = contiguousStrides(x.shape);
  return copyStrided(args, Slice, x, outShape, {
    dims: outShape,
    stridesX: xStrides,
    stridesOut: contiguousStrides(outShape),
    xOffset: start.reduce((offset, index, d) => offset + index * (xStrides[d] ?? 0), 0),
  });
}

/** PadV2 (tf.pad): x float32 or int32 -> x with paddings[d] = [before, after] elements of constantValue. */
function padV2(args: NativeKernelArgs): TensorInfo | TensorInfo[] {
  const x = requiredInput(args, PadV2, 'x');
  const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
  const valid = paddings.length === x.shape.length && paddings.every(([before, after]) => before >= 0 && after >= 0);
  if (!valid) return args.backend.runCpuKernel(PadV2, args);
  const outShape = x.shape.map((dim, d) => (paddings[d]?.[0] ?? 0) + dim + (paddings[d]?.[1] ?? 0));
  const outStrides = contiguousStrides(outShape);
  return copyStrided(args, PadV2, x, outShape, {
    dims: x.shape.slice(),
    stridesX: contiguousStrides(x.shape),
    stridesOut: outStrides,
    outOffset: paddings.reduce((offset, [before], d) => offset + before * (outStrides[d] ?? 0), 0),
    fillValue: constantValue,
  });
}

export const tileConfig: NativeKernelConfig = { kernelName: Tile, kernelFunc: tile };
export const transposeConfig: NativeKernelConfig = { kernelName: Transpose, kernelFunc: transpose };
export const sliceConfig: NativeKernelConfig = { kernelName: Slice, kernelFunc: slice };
export const padV2Config: NativeKernelConfig = { kernelName: PadV2, kernelFunc: padV2 };

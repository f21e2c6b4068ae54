import {
  backend_util, Max, Mean, Min, Sum, util, type NamedAttrMap, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { REDUCE_OP_CODES } from '../addon.js';
import { readFloat32, requiredInput, type NativeKernelArgs, type NativeKernelConfig } from '../native-kernel.js';

/** The input viewed as [outer, reduce, inner], with the reduced axes in the middle block. */
export interface ReduceBlocks {
  outer: number;
  reduce: number;
  inner: number;
}

/**
 * Views `shape` as [outer, reduce, inner] when the reduced axes of size > 1 are adjacent
 * (axes of size 1 can sit on either side). Returns null when they are split by a kept axis,
 * e.g. axes [0, 2] of [2, 3, 4].
 */
export function planReduceBlocks(shape: readonly number[], axes: readonly number[]): ReduceBlocks | null {
  const reduced = new Set(axes);
  const blockAxes = shape.map((_, d) => d).filter((d) => reduced.has(d) && (shape[d] ?? 1) > 1);
  let outer = 1;
  let reduce = 1;
  let inner = 1;
  if (blockAxes.length === 0) {
    for (const dim of shape) outer *= dim;
    return { outer, reduce, inner };
  }
  const first = blockAxes[0] as number;
  const last = blockAxes[blockAxes.length - 1] as number;
  for (let d = 0; d < shape.length; d++) {
    const dim = shape[d] ?? 1;
    if (d < first) outer *= dim;
    else if (d > last) inner *= dim;
    else if (reduced.has(d)) reduce *= dim;
    else if (dim !== 1) return null;
  }
  return { outer, reduce, inner };
}

type ReduceKind = 'sum' | 'mean' | 'max' | 'min';

/**
 * Makes a reduction kernel over float32 input: x -> x reduced over attrs' axes, keeping them as
 * size 1 when keepDims. Non-adjacent axes, other dtypes and empty tensors go to the cpu kernel.
 */
function makeReduceKernel(kernelName: string, kind: ReduceKind, axisAttr: string): NativeKernelConfig {
  const kernelFunc = (args: NativeKernelArgs): TensorInfo | TensorInfo[] => {
    const { backend } = args;
    const x = requiredInput(args, kernelName, 'x');
    const attrs = args.attrs as NamedAttrMap;
    const xValues = readFloat32(backend, x);
    if (xValues === null || xValues.length === 0) return backend.runCpuKernel(kernelName, args);
    const axes = util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape);
    const blocks = planReduceBlocks(x.shape, axes);
    if (blocks === null) return backend.runCpuKernel(kernelName, args);

    const [reducedShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const outShape = attrs['keepDims'] ? backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape;
    const out = backend.allocateOutput(blocks.outer * blocks.inner);
    const scale = kind === 'mean' ? 1 / blocks.reduce : 1;
    backend.addon.reduce(REDUCE_OP_CODES[kind === 'mean' ? 'sum' : kind], xValues, out, blocks.outer, blocks.reduce, blocks.inner, scale);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
  return { kernelName, kernelFunc };
}

export const reduceConfigs: NativeKernelConfig[] = [
  makeReduceKernel(Sum, 'sum', 'axis'),
  makeReduceKernel(Mean, 'mean', 'axis'),
  makeReduceKernel(Max, 'max', 'reductionIndices'),
  makeReduceKernel(Min, 'min', 'axis'),
];

/**
 * An output shape and, per input, the element stride of each output dimension (0 where the
 * input is broadcast). native/strided.h loops over it.
 */
export interface StridedLayout {
  dims: number[];
  strides: number[][];
}

/** The most dimensions native/strided.h accepts after collapsing (kMaxStridedRank). */
export const MAX_STRIDED_RANK = 8;

/** Row-major element strides of a contiguous tensor. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d] ?? 1;
  }
  return strides;
}

/**
 * Strides that read `shape` broadcast to `outShape` (numpy rules: trailing dimensions align, a
 * dimension of 1 repeats). The caller has checked that the shapes broadcast.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((outDim, d) => {
    const dim = d >= offset ? (shape[d - offset] ?? 1) : 1;
    return dim === 1 && outDim !== 1 ? 0 : d >= offset ? (own[d - offset] ?? 0) : 0;
  });
}

/**
 * Drops dimensions of size 1 and merges neighbours that every input steps through as one, so
 * [N, H, W, C] + [C] becomes dims [N*H*W, C] with strides [[C, 1], [0, 1]]. A layout of one
 * element comes back as dims [1].
 */
export function collapseLayout(dims: readonly number[], strides: readonly (readonly number[])[]): StridedLayout {
  const keptDims: number[] = [];
  const keptStrides: number[][] = strides.map(() => []);
  dims.forEach((dim, d) => {
    if (dim === 1) return;
    const last = keptDims.length - 1;
    const mergeable =
      last >= 0 &&
      strides.every((own, k) => (keptStrides[k]?.[last] ?? 0) === (own[d] ?? 0) * dim);
    if (mergeable) {
      keptDims[last] = (keptDims[last] ?? 1) * dim;
      strides.forEach((own, k) => {
        (keptStrides[k] as number[])[last] = own[d] ?? 0;
      });
    } else {
      keptDims.push(dim);
      strides.forEach((own, k) => (keptStrides[k] as number[]).push(own[d] ?? 0));
    }
  });
  if (keptDims.length === 0) return { dims: [1], strides: strides.map(() => [0]) };
  return { dims: keptDims, strides: keptStrides };
}

import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { sizeOfShape } from '../native-kernel.js';

/** Sizes of a batched product and the TensorFlow.js output shape [...batch, rows, columns]. */
export interface MatMulPlan {
  /** The 7 numbers native/matmul.cc reads (MatMulGeometry). */
  geometry: number[];
  outShape: number[];
}

/**
 * Plans a[...batchA, rows, inner] x b[...batchB, inner, columns] (each possibly transposed) as
 * one oneDNN matmul over flattened batches; null when the batch shapes do not broadcast to one
 * side's batch (the cpu kernel then reports the mismatch or handles the case), when the inner
 * sizes differ, or when a tensor is empty.
 */
export function planMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  if (rankA < 2 || rankB < 2) return null;
  const rows = (transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2]) as number;
  const innerA = (transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1]) as number;
  const innerB = (transposeB ? b.shape[rankB - 1] : b.shape[rankB - 2]) as number;
  const columns = (transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1]) as number;
  if (innerA !== innerB) return null;
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchA = sizeOfShape(batchShapeA);
  const batchB = sizeOfShape(batchShapeB);
  let batchShape: number[];
  try {
    batchShape = backend_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
  } catch {
    return null;
  }
  const batch = sizeOfShape(batchShape);
  const flattenable = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
  if (!flattenable || rows * innerA * columns * batch === 0) return null;
  return {
    geometry: [batchA, batchB, rows, innerA, columns, transposeA ? 1 : 0, transposeB ? 1 : 0],
    outShape: [...batchShape, rows, columns],
  };
}

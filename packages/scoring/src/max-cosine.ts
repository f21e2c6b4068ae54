import * as tf from '@tensorflow/tfjs-core';
import { CsiError, DataError, assertShape, type Tensor2D } from '@csi/core';

// The default chunk keeps each [chunk, M] similarity block near 2^24 float32 values (64 MiB), so
// memory does not grow with the number of test images. As one product, 10,000 test × 6,000
// training images would take 240 MB per shift.
const MAX_BLOCK_VALUES = 2 ** 24;

// A zero projection gets cosine 0 with everything instead of NaN.
const MIN_SQUARED_NORM = 1e-24;

/** Scales rows [R, P] float32 to unit L2 norm; rows of norm 0 stay 0. The caller disposes the result. */
export function normalizeRows(rows: Tensor2D): Tensor2D {
  return tf.tidy(() => tf.mul(rows, tf.rsqrt(tf.maximum(tf.sum(tf.square(rows), 1, true), MIN_SQUARED_NORM))));
}

/** Query rows per block so that a [rows, numKeys] block holds about 2^24 values. */
export function defaultChunkSize(numKeys: number): number {
  return Math.max(1, Math.floor(MAX_BLOCK_VALUES / Math.max(1, numKeys)));
}

/**
 * Computes max_m cos(q, k_m) for each query row against unit-norm keys [M, P], multiplying
 * [chunk, P] × [P, M] blocks so that at most chunk · M similarities exist at once.
 */
export function computeMaxCosineToUnitKeys(queries: Tensor2D, unitKeys: Tensor2D, chunkSize: number): Float32Array {
  const numQueries = queries.shape[0];
  const result = new Float32Array(numQueries);
  for (let start = 0; start < numQueries; start += chunkSize) {
    const size = Math.min(chunkSize, numQueries - start);
    const blockMax = tf.tidy(() => {
      const block = normalizeRows(tf.slice(queries, [start, 0], [size, -1]));
      return tf.max(tf.matMul(block, unitKeys, false, true), 1);
    });
    result.set(blockMax.dataSync(), start);
    blockMax.dispose();
  }
  return result;
}

/**
 * Computes, for each query row, its largest cosine similarity with any key row:
 * max_m cos(queries[q], keys[m]).
 *
 * @param queries [Q, P] float32, any scale.
 * @param keys [M, P] float32, any scale, M ≥ 1.
 * @param chunkSize query rows per matrix product; the default keeps each [chunk, M] block near
 *   2^24 values. The result does not depend on it.
 * @returns [Q] values in [−1, 1], a plain array that owns no tensor. A zero row has cosine 0.
 */
export function maxCosineSimilarity(
  queries: Tensor2D,
  keys: Tensor2D,
  chunkSize: number = defaultChunkSize(keys.shape[0]),
): Float32Array {
  assertShape('maxCosineSimilarity', 'queries', queries, [null, null], ['Q', 'P']);
  assertShape('maxCosineSimilarity', 'keys', keys, [null, queries.shape[1]], ['M', 'P']);
  if (keys.shape[0] === 0) {
    throw new DataError('maxCosineSimilarity: keys has no rows (M = 0), so no maximum exists. Pass at least one key.');
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new CsiError(`maxCosineSimilarity: chunkSize must be a positive integer; got ${chunkSize}`);
  }
  const unitKeys = normalizeRows(keys);
  try {
    return computeMaxCosineToUnitKeys(queries, unitKeys, chunkSize);
  } finally {
    unitKeys.dispose();
  }
}

import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';

// Masked logits get this finite value instead of −∞: exp() of it is exactly 0 in float32, and
// products with a zero mask stay 0, where 0 · −∞ would give NaN.
const MASKED_LOGIT = -1e9;

// Squared-norm floor: a zero row stays zero (cosine 0 with everything) instead of becoming NaN,
// and the gradient of the square root stays finite.
const MIN_SQUARED_NORM = 1e-24;

/** Scales rows [R, P] float32 to unit L2 norm; rows of norm 0 stay 0. The caller disposes the result. */
export function normalizeRows(rows: Tensor2D): Tensor2D {
  return tf.tidy(() => {
    const squaredNorms = tf.sum(tf.square(rows), 1, true);
    return tf.mul(rows, tf.rsqrt(tf.maximum(squaredNorms, MIN_SQUARED_NORM)));
  });
}

/**
 * Computes cos(z_i, z_k) / τ for every pair of rows of unitRows [V, P] (rows already scaled by
 * `normalizeRows`), with the diagonal (k = i) set to a large negative logit so that it drops
 * out of every softmax over k ≠ i. Returns [V, V] float32; the caller disposes it.
 */
export function computeCosineLogits(unitRows: Tensor2D, temperature: number): Tensor2D {
  return tf.tidy(() => {
    const logits = tf.div(tf.matMul(unitRows, unitRows, false, true), temperature);
    const numRows = unitRows.shape[0];
    const rowIndex = tf.reshape(tf.range(0, numRows, 1, 'int32'), [numRows, 1]);
    const columnIndex = tf.reshape(tf.range(0, numRows, 1, 'int32'), [1, numRows]);
    const isDiagonal = tf.equal(rowIndex, columnIndex);
    return tf.where(isDiagonal, tf.fill([numRows, numRows], MASKED_LOGIT), logits) as Tensor2D;
  });
}

/**
 * Computes log Σ_k exp(logits[r, k]) for each row r of logits [R, C], subtracting the row max
 * first so that large logits (1/τ = 2 at the default temperature, more at small τ) cannot
 * overflow. Returns [R] float32; the caller disposes it.
 */
export function logSumExpRows(logits: Tensor2D): Tensor1D {
  return tf.tidy(() => {
    const rowMax = tf.max(logits, 1, true);
    const shifted = tf.sub(logits, rowMax);
    const logSum = tf.log(tf.sum(tf.exp(shifted), 1, true));
    return tf.reshape(tf.add(rowMax, logSum), [logits.shape[0]]);
  });
}

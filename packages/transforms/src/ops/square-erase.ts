import * as tf from '@tensorflow/tfjs-core';

/** A square of `size` pixels whose top-left corner is (top, left); parts outside the image are ignored. */
export interface Square {
  top: number;
  left: number;
  size: number;
}

/**
 * Sets the pixels of one square per image to 0 in every channel (Cutout). A square of size 0
 * leaves its image exactly as it was.
 *
 * images: [N, H, W, C] float32 in [0, 1]; squares: N squares in pixel coordinates, in image
 * order. Returns [N, H, W, C] float32 in [0, 1] that the caller disposes.
 */
export function eraseSquares(images: tf.Tensor4D, squares: readonly Square[]): tf.Tensor4D {
  const [count, height, width] = images.shape;
  const bound = (values: number[]) => tf.tensor4d(Int32Array.from(values), [count, 1, 1, 1], 'int32');
  return tf.tidy(() => {
    const rows = tf.reshape(tf.range(0, height, 1, 'int32'), [1, height, 1, 1]);
    const columns = tf.reshape(tf.range(0, width, 1, 'int32'), [1, 1, width, 1]);
    const tops = bound(squares.map((square) => square.top));
    const bottoms = bound(squares.map((square) => square.top + square.size));
    const lefts = bound(squares.map((square) => square.left));
    const rights = bound(squares.map((square) => square.left + square.size));
    const insideRows = tf.logicalAnd(tf.greaterEqual(rows, tops), tf.less(rows, bottoms));
    const insideColumns = tf.logicalAnd(tf.greaterEqual(columns, lefts), tf.less(columns, rights));
    // [N, H, W, 1]: 0 inside the square, 1 elsewhere; broadcasts over the channels.
    const keep = tf.cast(tf.logicalNot(tf.logicalAnd(insideRows, insideColumns)), 'float32');
    return tf.mul(images, keep);
  });
}

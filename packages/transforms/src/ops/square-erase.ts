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
  const [count, height, width, channels] = images.shape;
  // The 0/1 mask is written in JavaScript and applied by one same-shape multiply. Comparing
  // per-image bounds in tensors would broadcast [N, 1, 1, 1] operands, which is slow on the cpu
  // backend (see per-image.ts).
  const keep = new Float32Array(count * height * width * channels).fill(1);
  squares.forEach((square, image) => {
    const top = Math.max(0, square.top);
    const bottom = Math.min(height, square.top + square.size);
    const left = Math.max(0, square.left);
    const right = Math.min(width, square.left + square.size);
    for (let row = top; row < bottom; row++) {
      const start = ((image * height + row) * width + left) * channels;
      const end = ((image * height + row) * width + right) * channels;
      if (end > start) keep.fill(0, start, end);
    }
  });
  return tf.tidy(() => tf.mul(images, tf.tensor4d(keep, images.shape)));
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * Pads H and W by `padding` pixels on each side by repeating the edge pixels.
 * images: [N, H, W, C]. Returns [N, H + 2·padding, W + 2·padding, C] that the caller disposes.
 *
 * tfjs has no replicate mode in `pad` or `mirrorPad`, so this gathers with clamped indices,
 * which works for any image size (mirrorPad needs padding < H).
 */
export function padByEdgeRepeat(images: tf.Tensor4D, padding: number): tf.Tensor4D {
  const [, height, width] = images.shape;
  return tf.tidy(() => {
    const rows = tf.gather(images, clampedIndices(height, padding), 1);
    return tf.gather(rows, clampedIndices(width, padding), 2);
  });
}

function clampedIndices(size: number, padding: number): tf.Tensor1D {
  const indices = new Int32Array(size + 2 * padding);
  for (let i = 0; i < indices.length; i++) {
    indices[i] = Math.min(size - 1, Math.max(0, i - padding));
  }
  return tf.tensor1d(indices, 'int32');
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel radius in multiples of sigma. Taps beyond 3σ carry under 0.3% of the weight, and
 * scipy.ndimage uses a similar cut-off (truncate = 4).
 */
const RADIUS_PER_SIGMA = 3;

/**
 * Blurs each image with its own isotropic Gaussian, reflecting at the borders (the 'reflect'
 * padding of torchvision's gaussian_blur: index -1 reads pixel 1). A sigma of 0 leaves that image
 * exactly as it is.
 *
 * images: [N, H, W, C] float32 in [0, 1]; sigmas: N standard deviations in pixels, ≥ 0.
 * Returns [N, H, W, C] float32 in [0, 1] that the caller disposes.
 *
 * A depthwise convolution takes one kernel for the whole batch, so a per-image sigma is written
 * as two batched matrix products instead. Every image gets an H×H matrix that blurs its columns
 * and a W×W matrix that blurs its rows, with the border reflection folded into the matrices.
 */
export function blurImages(images: tf.Tensor4D, sigmas: readonly number[]): tf.Tensor4D {
  const [count, height, width, channels] = images.shape;
  return tf.tidy(() => {
    const columnBlur = tf.tensor3d(buildBlurMatrices(height, sigmas), [count, height, height]);
    const rowBlur = tf.tensor3d(buildBlurMatrices(width, sigmas), [count, width, width]);

    const blurredColumns = tf.matMul(columnBlur, tf.reshape(images, [count, height, width * channels]));
    const widthFirst = tf.reshape(
      tf.transpose(tf.reshape(blurredColumns, [count, height, width, channels]), [0, 2, 1, 3]),
      [count, width, height * channels],
    );
    const blurredRows = tf.reshape(tf.matMul(rowBlur, widthFirst), [count, width, height, channels]);
    return tf.clipByValue(tf.transpose(blurredRows, [0, 2, 1, 3]), 0, 1) as tf.Tensor4D;
  });
}

/**
 * Builds one size×size blur matrix per sigma, row-major and concatenated: row `out` contains the
 * weights of the input pixels that make output pixel `out`. Each row sums to 1.
 */
export function buildBlurMatrices(size: number, sigmas: readonly number[]): Float32Array {
  const matrices = new Float32Array(sigmas.length * size * size);
  sigmas.forEach((sigma, image) => {
    const taps = gaussianTaps(sigma);
    const radius = (taps.length - 1) / 2;
    const offset = image * size * size;
    for (let out = 0; out < size; out++) {
      for (let tap = -radius; tap <= radius; tap++) {
        const cell = offset + out * size + reflectIndex(out + tap, size);
        matrices[cell] = (matrices[cell] ?? 0) + (taps[tap + radius] ?? 0);
      }
    }
  });
  return matrices;
}

/** Normalised Gaussian weights for offsets -r..r with r = ceil(3σ); [1] when sigma is 0. */
export function gaussianTaps(sigma: number): number[] {
  if (sigma <= 0) return [1];
  const radius = Math.ceil(RADIUS_PER_SIGMA * sigma);
  const weights: number[] = [];
  for (let offset = -radius; offset <= radius; offset++) {
    weights.push(Math.exp(-(offset * offset) / (2 * sigma * sigma)));
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => weight / total);
}

/** Maps an index outside [0, size) back inside by reflecting at the edges, as often as needed. */
function reflectIndex(index: number, size: number): number {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  const folded = ((index % period) + period) % period;
  return folded < size ? folded : period - folded;
}

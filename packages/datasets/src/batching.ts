import * as tf from '@tensorflow/tfjs-core';
import { DataError, RandomSource, type ImageSet, type Tensor4D } from '@csi/core';

export interface BatchOptions {
  /** Leave out the last batch when it has fewer than `batchSize` images. */
  dropLast: boolean;
}

/**
 * Yields the image indices of one epoch in batches of `batchSize`, in an order shuffled by
 * `random` (Fisher-Yates). The order depends only on the state of `random`; pass
 * `createEpochRandom(seed, epoch)` so that an epoch's order depends only on the seed and the
 * epoch. Every index appears exactly once, except those of a short last batch with `dropLast`.
 * Throws a DataError when `dropLast` would leave no batch at all.
 */
export function* iterateBatches(
  set: ImageSet,
  batchSize: number,
  random: RandomSource,
  options: BatchOptions,
): Generator<Int32Array, void, undefined> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`iterateBatches: batchSize must be a positive integer; got ${batchSize}`);
  }
  if (options.dropLast && set.count < batchSize) {
    throw new DataError(
      `iterateBatches: the set has ${set.count} images, fewer than one batch of ${batchSize}, so an epoch ` +
        'would have no step. Lower the batch size or use more images.',
    );
  }
  const order = Int32Array.from({ length: set.count }, (_, i) => i);
  random.shuffle(order);
  const end = options.dropLast ? set.count - (set.count % batchSize) : set.count;
  for (let start = 0; start < end; start += batchSize) {
    yield order.slice(start, Math.min(start + batchSize, end));
  }
}

/**
 * Creates the random source for one epoch's data order from the run seed and the epoch number
 * alone, so that a run resumed at epoch e draws the same order as an uninterrupted run.
 */
export function createEpochRandom(seed: number, epoch: number): RandomSource {
  return RandomSource.fromSeed(mixSeed(mixSeed(seed) ^ epoch));
}

// The 32-bit finaliser of MurmurHash3: nearby inputs (epoch 1, 2, ...) give unrelated seeds.
function mixSeed(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * Copies the images at `indices` into a float32 tensor [N, H, W, C] (NHWC, N = indices.length)
 * with values in [0, 1] (pixel / 255), in the order of `indices`. The caller disposes the result.
 * Throws a RangeError for an index outside [0, set.count).
 */
export function toImageTensor(set: ImageSet, indices: ArrayLike<number>): Tensor4D {
  const { height, width, channels } = set;
  const imageSize = height * width * channels;
  const values = new Float32Array(indices.length * imageSize);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (!Number.isInteger(index) || index < 0 || index >= set.count) {
      throw new RangeError(`toImageTensor: index ${index} at position ${i} is outside [0, ${set.count})`);
    }
    const source = index * imageSize;
    const target = i * imageSize;
    for (let p = 0; p < imageSize; p++) values[target + p] = (set.images[source + p] as number) / 255;
  }
  return tf.tensor4d(values, [indices.length, height, width, channels], 'float32');
}

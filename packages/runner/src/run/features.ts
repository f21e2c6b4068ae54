import * as tf from '@tensorflow/tfjs-core';
import type { FeatureBank, ImageSet, Network, RandomSource, Tensor4D } from '@csi/core';
import { toImageTensor } from '@csi/datasets';
import type { ProgressReporter } from './progress.js';
import type { ViewPipeline } from './views.js';

/** Options of feature extraction for scoring. */
export interface ExtractionOptions {
  /** Images per forward pass; each pass contains K shifted copies of them. */
  batchSize: number;
  /**
   * Test-time ensemble size T. With T = 1 the images are scored as they are; with T > 1 the
   * outputs are averaged over T draws of `pipeline.align` (whose crop the caller has fixed to
   * one scale).
   */
  samples: number;
  random: RandomSource;
  /**
   * Also keep the penultimate features f(x) [K, M, D] and the class labels, for a score that
   * trains on labels (the bank then contains `features`, `labels` and `numClasses`).
   */
  labelled?: { numClasses: number };
}

/**
 * Runs the network in evaluation mode on every image under every shift and returns the
 * projections [K, M, P] and shift logits [K, M, K], and with `options.labelled` the features
 * [K, M, D], averaged over the ensemble. The caller disposes the bank's tensors.
 */
export function extractFeatureBank(
  network: Network,
  set: ImageSet,
  pipeline: ViewPipeline,
  options: ExtractionOptions,
  progress: ProgressReporter,
  phase: string,
): FeatureBank {
  const numShifts = pipeline.shift.numShifts;
  const projectionSize = network.projectionSize;
  const projections = new Float32Array(numShifts * set.count * projectionSize);
  const shiftLogits = new Float32Array(numShifts * set.count * numShifts);
  const featureSize = network.featureSize;
  const features = options.labelled ? new Float32Array(numShifts * set.count * featureSize) : undefined;
  const augment = options.samples > 1;

  progress.start(phase, set.count, 'images');
  for (let start = 0; start < set.count; start += options.batchSize) {
    const count = Math.min(options.batchSize, set.count - start);
    const indices = Int32Array.from({ length: count }, (_, offset) => start + offset);
    const images = toImageTensor(set, indices);

    for (let sample = 0; sample < options.samples; sample++) {
      const [batchProjections, batchLogits, batchFeatures] = tf.tidy(() => {
        const stacked = stackShifts(images, pipeline, augment ? options.random : undefined);
        const outputs = network.apply(stacked, false);
        return [outputs.projections.dataSync(), outputs.shiftLogits.dataSync(), features ? outputs.features.dataSync() : undefined] as const;
      });
      // Rows of the forward pass are shift-major: row y·count + i is T_y of image start + i.
      for (let shift = 0; shift < numShifts; shift++) {
        accumulate(projections, batchProjections, (shift * set.count + start) * projectionSize, shift * count * projectionSize, count * projectionSize);
        accumulate(shiftLogits, batchLogits, (shift * set.count + start) * numShifts, shift * count * numShifts, count * numShifts);
        if (features && batchFeatures) {
          accumulate(features, batchFeatures, (shift * set.count + start) * featureSize, shift * count * featureSize, count * featureSize);
        }
      }
    }
    images.dispose();
    progress.update(start + count);
  }
  progress.stop();

  if (options.samples > 1) {
    scaleInPlace(projections, 1 / options.samples);
    scaleInPlace(shiftLogits, 1 / options.samples);
    if (features) scaleInPlace(features, 1 / options.samples);
  }
  const bank: FeatureBank = {
    projections: tf.tensor3d(projections, [numShifts, set.count, projectionSize]),
    shiftLogits: tf.tensor3d(shiftLogits, [numShifts, set.count, numShifts]),
  };
  if (features && options.labelled) {
    bank.features = tf.tensor3d(features, [numShifts, set.count, featureSize]);
    bank.labels = set.labels;
    bank.numClasses = options.labelled.numClasses;
  }
  return bank;
}

/** [N, H, W, C] → [K·N, H, W, C], shift-major, with one ensemble draw of the soft augmentations when `random` is given. */
function stackShifts(images: Tensor4D, pipeline: ViewPipeline, random: RandomSource | undefined): Tensor4D {
  const before = random ? pipeline.align.filter((augmentation) => augmentation.stage === 'before-shift') : [];
  const after = random ? pipeline.align.filter((augmentation) => augmentation.stage === 'after-shift') : [];
  let base = images;
  for (const augmentation of before) base = augmentation.apply(base, random!);
  const shifted: Tensor4D[] = [];
  for (let shift = 0; shift < pipeline.shift.numShifts; shift++) {
    shifted.push(pipeline.shift.apply(base, shift));
  }
  let stacked = tf.concat(shifted, 0);
  for (const augmentation of after) stacked = augmentation.apply(stacked, random!);
  return stacked;
}

function accumulate(target: Float32Array, source: ArrayLike<number>, targetOffset: number, sourceOffset: number, length: number): void {
  for (let j = 0; j < length; j++) {
    target[targetOffset + j]! += source[sourceOffset + j]!;
  }
}

function scaleInPlace(values: Float32Array, factor: number): void {
  for (let j = 0; j < values.length; j++) values[j]! *= factor;
}

import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource, ShiftTransform, SoftAugmentation, Tensor4D, ViewLayout } from '@csi/core';

/** The transforms that turn a batch of images into the stacked views fed to the network. */
export interface ViewPipeline {
  /** All shift transforms combined into one (K = product of their K; K = 1 for SimCLR). */
  shift: ShiftTransform;
  /** Soft augmentations in spec order. */
  align: readonly SoftAugmentation[];
}

/**
 * Stacks `numViews` soft-augmented views of every shifted image, in the `ViewLayout` order:
 * row r = v·(K·N) + y·N + i contains view v of T_y(x_i).
 *
 * images: [N, H, W, C] float32 in [0, 1]. Returns [numViews·K·N, H, W, C] float32 in [0, 1],
 * disposed by the caller. Augmentations marked 'before-shift' (the flip) are drawn once per view
 * and image and shared by all K shifts of that view, as in the authors' code; the others are
 * drawn independently for every row.
 */
export function stackViews(
  images: Tensor4D,
  pipeline: ViewPipeline,
  numViews: number,
  random: RandomSource,
): { views: Tensor4D; layout: ViewLayout } {
  const layout: ViewLayout = { numImages: images.shape[0], numShifts: pipeline.shift.numShifts, numViews };
  const before = pipeline.align.filter((augmentation) => augmentation.stage === 'before-shift');
  const after = pipeline.align.filter((augmentation) => augmentation.stage === 'after-shift');

  const views = tf.tidy(() => {
    const perView: Tensor4D[] = [];
    for (let view = 0; view < numViews; view++) {
      const base = applyAll(images, before, random);
      const shifted: Tensor4D[] = [];
      for (let shift = 0; shift < layout.numShifts; shift++) {
        shifted.push(pipeline.shift.apply(base, shift));
      }
      perView.push(applyAll(tf.concat(shifted, 0), after, random));
    }
    return tf.concat(perView, 0);
  });
  return { views, layout };
}

/** Applies the augmentations in order inside the caller's tidy scope. */
function applyAll(images: Tensor4D, augmentations: readonly SoftAugmentation[], random: RandomSource): Tensor4D {
  let current = images;
  for (const augmentation of augmentations) {
    current = augmentation.apply(current, random);
  }
  return current;
}

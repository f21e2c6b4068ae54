import { defineShiftTransform, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { flipLeftRight } from '../ops/flips.js';

/**
 * K = 2: variant 0 is the identity, variant 1 flips each image left to right (reverses W).
 * Leave the `flip` augmentation out of `align` when shifting by this transform. A random flip
 * before the shift makes T_0(flip(x)) = T_1(x), so the shift head could not distinguish the two
 * variants.
 */
export const horizontalFlipShift = defineShiftTransform<Record<string, never>>({
  name: 'horizontal-flip',
  summary: 'Flips each image left to right (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    numShifts: 2,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => {
      assertImageBatch('horizontal-flip', images);
      assertShiftIndex('horizontal-flip', shift, 2);
      return shift === 0 ? tf.clone(images) : flipLeftRight(images);
    },
  }),
});

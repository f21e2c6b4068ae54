import { defineShiftTransform, type Tensor4D } from '@csi/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { flipUpDown } from '../ops/flips.js';

/** K = 2: variant 0 is the identity, variant 1 flips each image upside down (reverses H). */
export const verticalFlipShift = defineShiftTransform<Record<string, never>>({
  name: 'vertical-flip',
  summary: 'Flips each image upside down (variant 1); variant 0 is the identity; K = 2.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    numShifts: 2,
    // images [N, H, W, C] -> [N, H, W, C]
    apply: (images: Tensor4D, shift: number) => {
      assertImageBatch('vertical-flip', images);
      assertShiftIndex('vertical-flip', shift, 2);
      return shift === 0 ? tf.clone(images) : flipUpDown(images);
    },
  }),
});

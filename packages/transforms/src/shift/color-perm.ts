import { defineShiftTransform, type Tensor4D } from '@csi/core';
import { assertChannels, assertImageBatch, assertShiftIndex } from '../image-batch.js';
import { mixChannels } from '../ops/channel-mix.js';

/**
 * The 6 orders of the R, G, B channels in lexicographic order (as Python's
 * itertools.permutations lists them). Output channel c of variant y is input channel
 * CHANNEL_ORDERS[y][c], so variant 3 turns (r, g, b) into (g, b, r).
 */
export const CHANNEL_ORDERS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
] as const;

export const colorPermShift = defineShiftTransform<Record<string, never>>({
  name: 'color-perm',
  summary: 'Permutes the R, G and B channels; K = 6, variant 0 keeps RGB. Needs 3-channel images.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    numShifts: CHANNEL_ORDERS.length,
    // images [N, H, W, 3] -> [N, H, W, 3]
    apply: (images: Tensor4D, shift: number) => {
      assertImageBatch('color-perm', images);
      assertChannels(
        'color-perm',
        images,
        [3],
        'it permutes the R, G and B channels (a 1-channel image has nothing to permute; use rotation or cut-perm)',
      );
      assertShiftIndex('color-perm', shift, CHANNEL_ORDERS.length);
      const order = CHANNEL_ORDERS[shift] ?? CHANNEL_ORDERS[0];
      // pixel · matrix picks input channel order[c] for output channel c; the products by 0 and 1
      // are exact, so the values are copied unchanged.
      const matrix = [0, 1, 2].flatMap((input) => order.map((source) => (source === input ? 1 : 0)));
      return mixChannels(images, new Array<number[]>(images.shape[0]).fill(matrix));
    },
  }),
});

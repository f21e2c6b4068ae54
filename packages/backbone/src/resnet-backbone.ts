import { defineBackbone } from '@csi/core';
import { buildResNet, type ResNetOptions } from './resnet-network.js';

/** The `resnet` backbone component: a CIFAR-style ResNet (ResNet-18 by default) with both heads. */
export const resnetBackbone = defineBackbone<ResNetOptions>({
  name: 'resnet',
  summary: 'CIFAR-style ResNet (3×3 stem, no max-pool; ResNet-18 by default) with projection and shift heads.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      blocksPerStage: {
        description: 'BasicBlocks in each of the 4 stages; [2, 2, 2, 2] is ResNet-18, [3, 4, 6, 3] ResNet-34.',
        type: 'array',
        items: { type: 'integer', minimum: 1 },
        minItems: 4,
        maxItems: 4,
        default: [2, 2, 2, 2],
      },
      widthMultiplier: {
        description: 'Scales the stage widths 64, 128, 256, 512 (rounded, at least 1); D = 512 · widthMultiplier.',
        type: 'number',
        exclusiveMinimum: 0,
        default: 1,
      },
      projectionHidden: {
        description: 'Hidden size of the 2-layer projection head; when absent, D as in the authors\' code.',
        type: 'integer',
        minimum: 1,
      },
    },
  },
  create: (options) => ({
    build: (input) => buildResNet(options, input),
  }),
});

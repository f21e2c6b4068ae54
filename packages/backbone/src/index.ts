import type { ComponentRegistrar } from '@csi/core';
import { resnetBackbone } from './resnet-backbone.js';

export { resnetBackbone } from './resnet-backbone.js';
export { buildResNet, MIN_IMAGE_SIDE, type ResNetBuildInput, type ResNetOptions } from './resnet-network.js';
export { BASE_STAGE_WIDTHS, computeStageWidths } from './resnet-body.js';
export { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './batch-norm.js';
export { HEAD_NAME_PREFIXES } from './heads.js';
export { countParameters, getWeights, setWeights, type WeightValues } from './weights.js';
export { computeGradients, type NetworkGradients } from './gradients.js';

/** Adds the `resnet` backbone to a registry. */
export function register(registrar: ComponentRegistrar): void {
  registrar.add(resnetBackbone);
}

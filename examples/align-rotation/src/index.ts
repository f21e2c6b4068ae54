import type { ComponentRegistrar } from '@csi/core';
import { randomRotationAugmentation } from './random-rotation.js';

export { randomRotationAugmentation, rotateRandomly, type RandomRotationOptions } from './random-rotation.js';

/** Adds the soft augmentation `random-rotation`. */
export function register(registrar: ComponentRegistrar): void {
  registrar.add(randomRotationAugmentation);
}

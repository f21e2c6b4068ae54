import type { AnyComponentDescriptor, ComponentRegistrar } from '@csi/core';
import { blurAugmentation } from './align/blur.js';
import { colorJitterAugmentation } from './align/color-jitter.js';
import { cropAugmentation } from './align/crop.js';
import { cutoutAugmentation } from './align/cutout.js';
import { flipAugmentation } from './align/flip.js';
import { grayscaleAugmentation } from './align/grayscale.js';
import { noiseAugmentation } from './align/noise.js';
import { rotationAugmentation } from './align/rotation.js';
import { blurShift } from './shift/blur.js';
import { colorPermShift } from './shift/color-perm.js';
import { cutPermShift } from './shift/cut-perm.js';
import { cutoutShift } from './shift/cutout.js';
import { horizontalFlipShift } from './shift/horizontal-flip.js';
import { noiseShift } from './shift/noise.js';
import { rotationShift } from './shift/rotation.js';
import { sobelShift } from './shift/sobel.js';
import { verticalFlipShift } from './shift/vertical-flip.js';

export type { BlurAugmentationOptions } from './align/blur.js';
export type { ColorJitterOptions } from './align/color-jitter.js';
export type { CropOptions } from './align/crop.js';
export type { CutoutAugmentationOptions } from './align/cutout.js';
export type { FlipOptions } from './align/flip.js';
export type { GrayscaleOptions } from './align/grayscale.js';
export type { NoiseAugmentationOptions } from './align/noise.js';
export { rotateRandomly, type RotationAugmentationOptions } from './align/rotation.js';
export type { BlurShiftOptions } from './shift/blur.js';
export type { CutoutShiftOptions } from './shift/cutout.js';
export type { NoiseShiftOptions } from './shift/noise.js';
export type { RotationOptions } from './shift/rotation.js';
export type { RangeOption } from './range-option.js';

export {
  blurAugmentation,
  colorJitterAugmentation,
  cropAugmentation,
  cutoutAugmentation,
  flipAugmentation,
  grayscaleAugmentation,
  noiseAugmentation,
  rotationAugmentation,
  blurShift,
  colorPermShift,
  cutPermShift,
  cutoutShift,
  horizontalFlipShift,
  noiseShift,
  rotationShift,
  sobelShift,
  verticalFlipShift,
};
export { composeShifts } from './shift/product.js';
export { identityShift } from './shift/identity.js';

/** The shift transforms of this package, in the order `register` adds them. */
export const SHIFT_TRANSFORMS = [
  rotationShift,
  cutPermShift,
  noiseShift,
  blurShift,
  sobelShift,
  colorPermShift,
  cutoutShift,
  verticalFlipShift,
  horizontalFlipShift,
] as const;

/** Every component of this package, shift transforms first; `register` adds them in this order. */
const COMPONENTS: readonly AnyComponentDescriptor[] = [
  ...SHIFT_TRANSFORMS,
  flipAugmentation,
  cropAugmentation,
  colorJitterAugmentation,
  grayscaleAugmentation,
  noiseAugmentation,
  blurAugmentation,
  cutoutAugmentation,
  rotationAugmentation,
];

/** Adds the shift transforms and soft augmentations of @csi/transforms to a registry. */
export function register(registrar: ComponentRegistrar): void {
  for (const descriptor of COMPONENTS) registrar.add(descriptor);
}

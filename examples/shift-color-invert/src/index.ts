import type { ComponentRegistrar } from '@csi/core';
import { colorInvertShift } from './color-invert.js';

export { colorInvertShift, invertColors, type ColorInvertOptions } from './color-invert.js';

/** Adds the shift transform `color-invert`. */
export function register(registrar: ComponentRegistrar): void {
  registrar.add(colorInvertShift);
}

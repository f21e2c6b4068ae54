import type { ComponentRegistrar } from '@csi/core';
import { checkerboardInvertShift } from './checkerboard-invert.js';

export { checkerboardInvertShift, invertCheckerboard, type CheckerboardInvertOptions } from './checkerboard-invert.js';

/** Adds the shift transform `checkerboard-invert`. */
export function register(registrar: ComponentRegistrar): void {
  registrar.add(checkerboardInvertShift);
}

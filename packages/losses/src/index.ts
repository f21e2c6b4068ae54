import type { ComponentRegistrar } from '@csi/core';
import { clsSiTerm } from './cls-si.js';
import { conSiTerm } from './con-si.js';
import { ntXentTerm } from './nt-xent.js';
import { supConTerm } from './sup-con.js';

export { ntXentLoss, ntXentTerm } from './nt-xent.js';
export { conSiLoss, conSiTerm } from './con-si.js';
export { clsSiLoss, clsSiTerm } from './cls-si.js';
export { supConLoss, supConTerm } from './sup-con.js';
export { DEFAULT_TEMPERATURE, type TemperatureOptions } from './temperature.js';

/** Adds the loss terms nt-xent, con-si, cls-si and sup-con. */
export function register(registrar: ComponentRegistrar): void {
  registrar.add(ntXentTerm);
  registrar.add(conSiTerm);
  registrar.add(clsSiTerm);
  registrar.add(supConTerm);
}

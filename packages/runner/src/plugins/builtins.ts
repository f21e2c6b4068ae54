import { ComponentRegistry, type RegisterFunction } from '@csi/core';
import { register as registerBackbone } from '@csi/backbone';
import { register as registerDatasets } from '@csi/datasets';
import { register as registerLosses } from '@csi/losses';
import { register as registerScoring } from '@csi/scoring';
import { register as registerTransforms } from '@csi/transforms';

/** The packages whose components every run has, in registration order. */
export const BUILTIN_PACKAGES: readonly { name: string; register: RegisterFunction }[] = [
  { name: '@csi/datasets', register: registerDatasets },
  { name: '@csi/transforms', register: registerTransforms },
  { name: '@csi/backbone', register: registerBackbone },
  { name: '@csi/losses', register: registerLosses },
  { name: '@csi/scoring', register: registerScoring },
];

/** Creates a registry that holds the components of every built-in @csi package. */
export function createBuiltinRegistry(): ComponentRegistry {
  const registry = new ComponentRegistry();
  for (const builtin of BUILTIN_PACKAGES) builtin.register(registry.registrarFor(builtin.name));
  return registry;
}

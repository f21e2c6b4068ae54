import type { ComponentKind } from '@csi/core';

/**
 * A place in the spec that names components of one kind. A `component` slot takes a bare name or
 * `{ name, options }`, a `loss` slot adds `weight`, and a `name` slot takes names only.
 */
export interface ComponentSlot {
  path: readonly string[];
  kind: ComponentKind;
  list: boolean;
  form: 'component' | 'loss' | 'name';
  /** Name used when a single-component slot is left out, or written as `{ options }` alone. */
  defaultName?: string;
}

// The defaults follow the authors' PyTorch code: one-class protocol, ResNet backbone, s_CSI.
export const COMPONENT_SLOTS: readonly ComponentSlot[] = [
  { path: ['data', 'dataset'], kind: 'dataset', list: false, form: 'component' },
  { path: ['protocol'], kind: 'protocol', list: false, form: 'component', defaultName: 'one-class' },
  { path: ['model', 'backbone'], kind: 'backbone', list: false, form: 'component', defaultName: 'resnet' },
  { path: ['train', 'shift'], kind: 'shift', list: true, form: 'component' },
  { path: ['train', 'align'], kind: 'augmentation', list: true, form: 'component' },
  { path: ['train', 'loss'], kind: 'loss', list: true, form: 'loss' },
  { path: ['eval', 'score'], kind: 'score', list: false, form: 'component', defaultName: 'csi' },
  { path: ['eval', 'metrics'], kind: 'metric', list: true, form: 'name' },
];

/**
 * Finds the slot that `segments` (a path into the spec) points into, and the depth at which the
 * component itself starts: `['train', 'shift', 0, 'options']` gives the shift slot and depth 3.
 */
export function findSlot(
  segments: readonly (string | number)[],
): { slot: ComponentSlot; componentDepth: number } | undefined {
  for (const slot of COMPONENT_SLOTS) {
    const matches = slot.path.every((key, i) => segments[i] === key);
    if (!matches) continue;
    if (!slot.list) return { slot, componentDepth: slot.path.length };
    if (typeof segments[slot.path.length] === 'number') return { slot, componentDepth: slot.path.length + 1 };
    return undefined;
  }
  return undefined;
}

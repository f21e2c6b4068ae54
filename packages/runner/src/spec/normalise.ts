import { COMPONENT_SLOTS, type ComponentSlot } from './slots.js';
import type { SourceMap, SourceNode } from './source-tree.js';

/**
 * Rewrites every component in the tree to the `{ name, options }` form, in place: a bare name
 * (`rotation`) becomes `{ name: rotation, options: {} }`, a missing `options` becomes `{}`, and a
 * single-component slot written as `{ options }` gets its default name. Anything of another
 * shape is left for the schema to report.
 *
 * Schema validation relies on `options` being present: ajv evaluates the `if name is X then
 * options match X's schema` branches before it fills property defaults, so an options object
 * that only the defaults would create would be neither checked nor filled.
 */
export function normaliseComponents(root: SourceMap): void {
  for (const slot of COMPONENT_SLOTS) {
    if (slot.form === 'name') continue;
    const parent = findMap(root, slot.path.slice(0, -1));
    const key = slot.path[slot.path.length - 1]!;
    const node = parent?.entries.get(key);
    if (!parent || !node) continue;

    if (!slot.list) {
      parent.entries.set(key, { ...normaliseComponent(node, slot), keyOrigin: node.keyOrigin });
    } else if (node.type === 'sequence') {
      node.items = node.items.map((item) => normaliseComponent(item, slot));
    }
  }
}

function normaliseComponent(node: SourceNode, slot: ComponentSlot): SourceNode {
  if (node.type === 'scalar' && typeof node.value === 'string') {
    const entries = new Map<string, SourceNode>([
      ['name', { ...node, keyOrigin: node.origin }],
      ['options', { type: 'map', entries: new Map(), origin: node.origin, keyOrigin: node.origin }],
    ]);
    return { type: 'map', entries, origin: node.origin, writtenAsName: true };
  }
  if (node.type !== 'map') return node;

  if (!node.entries.has('name') && slot.defaultName !== undefined) {
    node.entries.set('name', { type: 'scalar', value: slot.defaultName, origin: node.origin, keyOrigin: node.origin });
  }
  if (!node.entries.has('options')) {
    node.entries.set('options', { type: 'map', entries: new Map(), origin: node.origin, keyOrigin: node.origin });
  }
  return node;
}

function findMap(root: SourceMap, path: readonly string[]): SourceMap | undefined {
  let node: SourceNode = root;
  for (const key of path) {
    if (node.type !== 'map') return undefined;
    const child = node.entries.get(key);
    if (!child) return undefined;
    node = child;
  }
  return node.type === 'map' ? node : undefined;
}

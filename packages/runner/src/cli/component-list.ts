import { COMPONENT_KINDS, type ComponentKind, type ComponentRegistry, type JsonSchema } from '@csi/core';
import { COMPONENT_SLOTS } from '../spec/slots.js';
import { formatSpecPath } from '../spec/source-tree.js';

const KIND_TITLES: Record<ComponentKind, string> = {
  dataset: 'data sets',
  protocol: 'evaluation protocols',
  shift: 'shift transforms',
  augmentation: 'soft augmentations',
  backbone: 'backbones',
  loss: 'loss terms',
  score: 'detection scores',
  metric: 'metrics',
};

/**
 * Lists registered components by kind: each with its package, summary and options (type,
 * default and description), and for each kind the spec key that takes it.
 *
 *     shift transforms (kind shift, spec key train.shift)
 *       rotation  from @csi/transforms
 *         Rotates by multiples of 90 degrees; K is the number of angles.
 *         options:
 *           quarterTurns  list of 0|1|2|3, default [0,1,2,3]
 */
export function formatComponentList(registry: ComponentRegistry, kinds: readonly ComponentKind[] = COMPONENT_KINDS): string {
  const blocks: string[] = [];
  for (const kind of kinds) {
    const slot = COMPONENT_SLOTS.find((candidate) => candidate.kind === kind);
    const key = slot ? formatSpecPath([...slot.path]) : undefined;
    const lines = [`${KIND_TITLES[kind]} (kind ${kind}${key ? `, spec key ${key}` : ''})`];
    const entries = registry.list(kind);
    if (entries.length === 0) lines.push('  (none registered)');
    for (const { descriptor, source } of entries) {
      lines.push(`  ${descriptor.name}  from ${source}`, `    ${descriptor.summary}`);
      lines.push(...describeOptions(descriptor.optionsSchema).map((line) => `    ${line}`));
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}

function describeOptions(schema: JsonSchema): string[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const names = Object.keys(properties);
  if (names.length === 0) return ['options: none'];
  const required = new Set((schema.required ?? []) as string[]);
  const width = Math.max(...names.map((name) => name.length));
  return [
    'options:',
    ...names.map((name) => {
      const option = properties[name]!;
      const parts = [describeType(option)];
      if ('default' in option) parts.push(`default ${JSON.stringify(option.default)}`);
      else if (required.has(name)) parts.push('required');
      const description = typeof option.description === 'string' ? ` — ${option.description}` : '';
      return `  ${name.padEnd(width)}  ${parts.join(', ')}${description}`;
    }),
  ];
}

function describeType(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join('|');
  if ('const' in schema) return JSON.stringify(schema.const);
  let type: string | undefined;
  if (Array.isArray(schema.type)) type = schema.type.join(' or ');
  else if (typeof schema.type === 'string') type = schema.type;
  if (type === 'array' && schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
    return `list of ${describeType(schema.items as JsonSchema)}`;
  }
  const bounds: string[] = [];
  if (typeof schema.minimum === 'number') bounds.push(`≥ ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === 'number') bounds.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.maximum === 'number') bounds.push(`≤ ${schema.maximum}`);
  if (typeof schema.exclusiveMaximum === 'number') bounds.push(`< ${schema.exclusiveMaximum}`);
  const anyOf = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).map(describeType).join(' or ') : undefined;
  const base = type ?? anyOf ?? 'any value';
  return bounds.length > 0 ? `${base} ${bounds.join(' and ')}` : base;
}

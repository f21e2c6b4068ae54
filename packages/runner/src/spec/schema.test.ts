import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ComponentRegistry, defineShiftTransform } from '@csi/core';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatSchemaFile } from '../cli/commands/schema.js';
import { createBuiltinRegistry } from '../plugins/builtins.js';
import { buildSpecSchema } from './schema.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const committedSchemaFile = `${repoRoot}configs/csi-spec.schema.json`;

describe('buildSpecSchema', () => {
  it('matches the committed configs/csi-spec.schema.json', () => {
    const fresh = formatSchemaFile(buildSpecSchema(createBuiltinRegistry()));
    const committed = readFileSync(committedSchemaFile, 'utf8');
    // On failure: the components changed; run `pnpm build && pnpm csi schema --out configs/csi-spec.schema.json`.
    expect(committed === fresh, 'configs/csi-spec.schema.json is stale; regenerate it with pnpm csi schema --out configs/csi-spec.schema.json').toBe(true);
  });

  it('accepts specs as written, with bare component names', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(buildSpecSchema(createBuiltinRegistry()));
    const written = parse(readFileSync(`${repoRoot}configs/examples/plugin-color-invert.yaml`, 'utf8')) as Record<string, unknown>;
    // The committed schema contains built-in components only, so the plugin's shift becomes a built-in one.
    const spec = { ...written, plugins: [], train: { ...(written.train as object), shift: ['rotation'] } };
    expect(validate(spec), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...spec, train: { ...spec.train, shift: ['rotaton'] } })).toBe(false);
  });

  it('checks options per name with if/then', () => {
    const optionsSchema = {
      type: 'object',
      additionalProperties: false,
      properties: { std: { type: 'number', default: 0.1 } },
    };
    const registry = new ComponentRegistry();
    registry.add(defineShiftTransform({ name: 'noise', summary: 'Noise.', optionsSchema, create: () => ({ numShifts: 2, apply: (x) => x }) }), '@test/fake');
    const schema = buildSpecSchema(registry) as { properties: { train: { properties: { shift: { items: Record<string, unknown> } } } } };
    const slot = schema.properties.train.properties.shift.items;
    expect(slot.then).toEqual({ type: 'string', enum: ['noise'] });
    expect(slot.else).toMatchObject({
      required: ['name'],
      allOf: [
        {
          if: { properties: { name: { const: 'noise' } }, required: ['name'] },
          then: { description: 'Noise. (from @test/fake)', properties: { options: optionsSchema } },
        },
      ],
    });
  });

  it('rejects every name of a kind with nothing registered', () => {
    const schema = buildSpecSchema(new ComponentRegistry()) as { properties: { eval: { properties: { metrics: { items: unknown } } } } };
    expect(schema.properties.eval.properties.metrics.items).toEqual({ type: 'string', not: {} });
  });
});

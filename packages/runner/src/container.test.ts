import { ComponentRegistry, createSilentLogger, defineShiftTransform, RandomSource, SpecError, type ComponentContext } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { composeExperimentServices } from './container.js';

interface ScaleOptions {
  factor: number;
}

function createRegistry(created: { name: string; options: unknown; context: ComponentContext }[]): ComponentRegistry {
  const registry = new ComponentRegistry();
  for (const name of ['double', 'triple']) {
    registry.add(
      defineShiftTransform<ScaleOptions>({
        name,
        summary: `Scales by a factor (${name}).`,
        optionsSchema: {
          type: 'object',
          additionalProperties: false,
          properties: { factor: { type: 'number', exclusiveMinimum: 0, default: name === 'double' ? 2 : 3 } },
        },
        create: (options, context) => {
          created.push({ name, options, context });
          return { numShifts: 1, apply: (images) => images };
        },
      }),
      '@test/fake',
    );
  }
  return registry;
}

describe('composeExperimentServices', () => {
  it('creates the component bound under each name, with defaults filled', () => {
    const created: { name: string; options: unknown; context: ComponentContext }[] = [];
    const logger = createSilentLogger();
    const services = composeExperimentServices({ registry: createRegistry(created), logger, seed: 0, cacheDir: '/cache' });
    services.createComponent('shift', { name: 'triple', options: {} }, 'train.shift[0]');
    services.createComponent('shift', { name: 'double', options: { factor: 5 } }, 'train.shift[1]');
    expect(created.map(({ name, options }) => ({ name, options }))).toEqual([
      { name: 'triple', options: { factor: 3 } },
      { name: 'double', options: { factor: 5 } },
    ]);
    expect(created[0]?.context.logger).toBe(logger);
    expect(created[0]?.context.cacheDir).toBe('/cache');
  });

  it('leaves the caller options unchanged', () => {
    const services = composeExperimentServices({ registry: createRegistry([]), logger: createSilentLogger(), seed: 0, cacheDir: '/cache' });
    const options = {};
    services.createComponent('shift', { name: 'double', options });
    expect(options).toEqual({});
  });

  it('rejects invalid options with their spec path', () => {
    const services = composeExperimentServices({ registry: createRegistry([]), logger: createSilentLogger(), seed: 0, cacheDir: '/cache' });
    const call = () => services.createComponent('shift', { name: 'double', options: { factor: 0, scale: 1 } }, 'train.shift[0]');
    expect(call).toThrow(SpecError);
    expect(call).toThrow('train.shift[0].options.scale: unknown option "scale". Known options: factor.');
    expect(call).toThrow('train.shift[0].options.factor: must be > 0; found 0');
  });

  it('lists the known names for an unknown one', () => {
    const services = composeExperimentServices({ registry: createRegistry([]), logger: createSilentLogger(), seed: 0, cacheDir: '/cache' });
    expect(() => services.createComponent('shift', { name: 'quadruple', options: {} }, 'train.shift[0]')).toThrow(
      'train.shift[0]: unknown shift transform "quadruple". Known: double, triple.',
    );
  });

  it('seeds the random source from the spec seed', () => {
    const registry = createRegistry([]);
    const services = composeExperimentServices({ registry, logger: createSilentLogger(), seed: 42, cacheDir: '/cache' });
    const expected = RandomSource.fromSeed(42);
    expect([services.random.uniform(), services.random.uniform()]).toEqual([expected.uniform(), expected.uniform()]);
    expect(services.registry).toBe(registry);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import {
  ComponentRegistry,
  RandomSource,
  type AnyComponentDescriptor,
  type ComponentContext,
  type ShiftTransform,
  type SoftAugmentation,
} from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDifference, runWithoutLeaks, useCpuBackend } from './testing/tensors.js';
import { register } from './index.js';

const context = {} as ComponentContext;

function registeredComponents(): AnyComponentDescriptor[] {
  const registry = new ComponentRegistry();
  register(registry.registrarFor('@csi/transforms'));
  return registry.list().map((entry) => entry.descriptor);
}

function defaultOptions(descriptor: AnyComponentDescriptor): Record<string, unknown> {
  const properties = (descriptor.optionsSchema.properties ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, schema.default]));
}

beforeAll(useCpuBackend);

describe('register', () => {
  it('adds every shift transform and soft augmentation by name', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('@csi/transforms'));
    expect(registry.names('shift')).toEqual([
      'blur',
      'color-perm',
      'cut-perm',
      'cutout',
      'horizontal-flip',
      'noise',
      'rotation',
      'sobel',
      'vertical-flip',
    ]);
    expect(registry.names('augmentation')).toEqual([
      'blur',
      'color-jitter',
      'crop',
      'cutout',
      'flip',
      'grayscale',
      'noise',
      'rotation',
    ]);
  });

  it('fails when called twice on one registry', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('@csi/transforms'));
    expect(() => register(registry.registrarFor('again'))).toThrow('registered twice');
  });

  it.each(registeredComponents().map((descriptor) => [`${descriptor.kind} ${descriptor.name}`, descriptor] as const))(
    'gives %s a closed options schema with every default',
    (_label, descriptor) => {
      const schema = descriptor.optionsSchema;
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      const properties = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
      for (const [name, property] of Object.entries(properties)) {
        expect(property.default, `default of ${name}`).toBeDefined();
      }
    },
  );
});

describe('every shift transform', () => {
  const shifts = registeredComponents().filter((descriptor) => descriptor.kind === 'shift');

  it.each(shifts.map((descriptor) => [descriptor.name, descriptor] as const))(
    '%s gives K distinct variants with variant 0 the identity',
    (_name, descriptor) => {
      const shift = descriptor.create(defaultOptions(descriptor), context) as ShiftTransform;
      // A generic image: no symmetry, no constant region, all three channels different.
      const images = tf.randomUniform([2, 6, 6, 3], 0.05, 0.95, 'float32', 13) as tf.Tensor4D;
      const variants = Array.from({ length: shift.numShifts }, (_, index) => {
        const { values, shape, dtype } = runWithoutLeaks(() => shift.apply(images, index));
        expect(shape).toEqual([2, 6, 6, 3]);
        expect(dtype).toBe('float32');
        return values;
      });
      expect(variants[0]).toEqual(images.arraySync());
      for (let a = 0; a < variants.length; a++) {
        for (let b = a + 1; b < variants.length; b++) {
          expect(maxAbsDifference(variants[a], variants[b]), `variants ${a} and ${b}`).toBeGreaterThan(0.01);
        }
      }
      images.dispose();
    },
  );
});

describe('every soft augmentation', () => {
  const augmentations = registeredComponents().filter((descriptor) => descriptor.kind === 'augmentation');

  it.each(augmentations.map((descriptor) => [descriptor.name, descriptor] as const))(
    '%s repeats for the same seed and stays in [0, 1]',
    (_name, descriptor) => {
      const augmentation = descriptor.create(defaultOptions(descriptor), context) as SoftAugmentation;
      const images = tf.randomUniform([4, 8, 8, 3], 0, 1, 'float32', 17) as tf.Tensor4D;
      const first = runWithoutLeaks(() => augmentation.apply(images, RandomSource.fromSeed(99)));
      const second = runWithoutLeaks(() => augmentation.apply(images, RandomSource.fromSeed(99)));
      expect(first.shape).toEqual([4, 8, 8, 3]);
      expect(first.dtype).toBe('float32');
      expect(second.values).toEqual(first.values);
      const flat = (first.values as number[][][][]).flat(3);
      expect(Math.min(...flat)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...flat)).toBeLessThanOrEqual(1);
      images.dispose();
    },
  );
});

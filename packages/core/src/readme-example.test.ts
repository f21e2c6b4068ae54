import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComponentRegistry, createSilentLogger, type ShiftTransform } from './index.js';

// The README's component, line for line; the last test checks the README still shows it.
const EXAMPLE = `export const invertShift = defineShiftTransform<Record<string, never>>({
  name: 'invert',
  summary: 'Inverts pixel values; K = 2.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    numShifts: 2,
    // images [N, H, W, C] float32 in [0, 1] -> the same shape; the caller disposes the result.
    apply: (images, shift) => (shift === 0 ? tf.clone(images) : tf.sub(1, images)),
  }),
});`;

import { defineShiftTransform, type ComponentRegistrar } from './index.js';

export const invertShift = defineShiftTransform<Record<string, never>>({
  name: 'invert',
  summary: 'Inverts pixel values; K = 2.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    numShifts: 2,
    // images [N, H, W, C] float32 in [0, 1] -> the same shape; the caller disposes the result.
    apply: (images, shift) => (shift === 0 ? tf.clone(images) : tf.sub(1, images)),
  }),
});

function register(registrar: ComponentRegistrar): void {
  registrar.add(invertShift);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('core README example', () => {
  it('registers and inverts a 1×2 image', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('readme'));
    const shift = registry.require('shift', 'invert').descriptor.create({}, { logger: createSilentLogger(), cacheDir: '/tmp' }) as ShiftTransform;
    const image = tf.tensor4d([0.25, 1], [1, 1, 2, 1]);
    const inverted = shift.apply(image, 1);
    expect(shift.numShifts).toBe(2);
    expect(Array.from(inverted.dataSync())).toEqual([0.75, 0]);
    tf.dispose([image, inverted]);
  });

  it('rejects a second registration of the name, naming both packages', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('first-package'));
    expect(() => register(registry.registrarFor('second-package'))).toThrow(
      'shift "invert" is registered twice: by first-package and by second-package',
    );
  });

  it('suggests the closest name for a typo', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('readme'));
    expect(() => registry.require('shift', 'invrt', 'train.shift[0]')).toThrow(
      'train.shift[0]: unknown shift transform "invrt". Known: invert. Did you mean "invert"?',
    );
  });

  it('matches the README text', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(EXAMPLE);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { AnyComponentDescriptor, LossTerm, ViewLayout } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPERATURE, conSiLoss, register } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function createTerm(name: string, options: Record<string, unknown>): LossTerm {
  const component = registeredComponents().find((descriptor) => descriptor.name === name)!;
  return component.create(options, undefined as never) as LossTerm;
}

function registeredComponents(): AnyComponentDescriptor[] {
  const added: AnyComponentDescriptor[] = [];
  register({ add: (descriptor) => added.push(descriptor) });
  return added;
}

describe('register', () => {
  it('adds the four loss terms', () => {
    const components = registeredComponents();

    expect(components.map((component) => component.name)).toEqual(['nt-xent', 'con-si', 'cls-si', 'sup-con']);
    expect(components.every((component) => component.kind === 'loss')).toBe(true);
  });

  it('gives every option a default and rejects unknown options', () => {
    for (const component of registeredComponents()) {
      const schema = component.optionsSchema as { type: string; additionalProperties: boolean; properties: Record<string, { default?: unknown }> };
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      for (const property of Object.values(schema.properties)) expect(property.default).toBeDefined();
    }
  });

  it('defaults the temperature to 0.5', () => {
    const conSi = registeredComponents().find((component) => component.name === 'con-si')!;
    const schema = conSi.optionsSchema as { properties: { temperature: { default: number } } };

    expect(schema.properties.temperature.default).toBe(0.5);
    expect(DEFAULT_TEMPERATURE).toBe(0.5);
  });

  it('creates terms that match the functions', () => {
    const layout: ViewLayout = { numImages: 1, numShifts: 2, numViews: 2 };
    const outputs = {
      features: tf.zeros([4, 3]) as tf.Tensor2D,
      projections: tf.tensor2d([
        [1, 0],
        [0.5, 0.5],
        [0.9, 0.1],
        [-0.2, 1],
      ]),
      shiftLogits: tf.tensor2d([
        [1, 0],
        [0, 1],
        [1, 0],
        [0, 1],
      ]),
    };
    const expectedConSi = conSiLoss(outputs.projections, layout, 0.3);
    const expectedClsSi = Math.log(1 + Math.exp(-1));
    const conSi = createTerm('con-si', { temperature: 0.3 });
    const ntXent = createTerm('nt-xent', { temperature: 0.3 });
    const clsSi = createTerm('cls-si', {});
    const values = [conSi, ntXent, clsSi].map((term) => {
      const loss = term.compute(outputs, layout);
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    });

    expect(values[0]).toBeCloseTo(expectedConSi.dataSync()[0]!, 6);
    expect(values[1]).toBeCloseTo(expectedConSi.dataSync()[0]!, 6);
    expect(values[2]).toBeCloseTo(expectedClsSi, 6);
    tf.dispose([...Object.values(outputs), expectedConSi]);
  });

  it('nt-xent rejects a batch whose rows do not match the layout', () => {
    const layout: ViewLayout = { numImages: 3, numShifts: 1, numViews: 2 };
    const ntXent = createTerm('nt-xent', { temperature: 0.5 });
    const outputs = {
      features: tf.zeros([4, 3]) as tf.Tensor2D,
      projections: tf.zeros([4, 8]) as tf.Tensor2D,
      shiftLogits: tf.zeros([4, 1]) as tf.Tensor2D,
    };

    expect(() => ntXent.compute(outputs, layout)).toThrow('nt-xent: projections must be [2·N·K, P] = [6, 8]; got [4, 8]');
    tf.dispose(Object.values(outputs));
  });
});

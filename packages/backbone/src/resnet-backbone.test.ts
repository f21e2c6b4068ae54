import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ComponentRegistry, RandomSource, type ComponentContext } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { register, resnetBackbone } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('resnetBackbone', () => {
  it('registers as backbone "resnet"', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('@csi/backbone'));
    const entry = registry.get('backbone', 'resnet');
    expect(entry?.descriptor).toBe(resnetBackbone);
    expect(entry?.source).toBe('@csi/backbone');
    expect(registry.names('backbone')).toEqual(['resnet']);
  });

  it('declares the ResNet-18 defaults', () => {
    const schema = resnetBackbone.optionsSchema as {
      type: string;
      additionalProperties: boolean;
      properties: Record<string, { default?: unknown }>;
    };
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['blocksPerStage', 'widthMultiplier', 'projectionHidden']);
    expect(schema.properties.blocksPerStage!.default).toEqual([2, 2, 2, 2]);
    expect(schema.properties.widthMultiplier!.default).toBe(1);
    // The hidden size defaults to D, which the schema cannot know.
    expect(schema.properties.projectionHidden!.default).toBeUndefined();
  });

  it('builds a network from options', () => {
    const context = {} as ComponentContext;
    const builder = resnetBackbone.create({ blocksPerStage: [1, 1, 1, 1], widthMultiplier: 0.125 }, context);
    const network = builder.build({ imageShape: [8, 8, 1], numShifts: 2, projectionSize: 6, random: RandomSource.fromSeed(0) });
    expect(network.featureSize).toBe(64);
    const images = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    const outputs = network.apply(images, false);
    expect(outputs.projections.shape).toEqual([2, 6]);
    expect(outputs.shiftLogits.shape).toEqual([2, 2]);
    tf.dispose([images, outputs.features, outputs.projections, outputs.shiftLogits]);
    network.dispose();
  });
});

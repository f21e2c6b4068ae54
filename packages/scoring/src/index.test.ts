import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { AnyComponentDescriptor, DetectionScore, Metric } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { register, scoreCsi } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function registeredComponents(): AnyComponentDescriptor[] {
  const added: AnyComponentDescriptor[] = [];
  register({ add: (descriptor) => added.push(descriptor) });
  return added;
}

describe('register', () => {
  it('adds seven scores and three metrics', () => {
    const components = registeredComponents();
    const namesOf = (kind: string): string[] =>
      components.filter((component) => component.kind === kind).map((component) => component.name);

    expect(namesOf('score')).toEqual(['con', 'con-si', 'cls-si', 'csi', 'norm', 'cosine', 'linear']);
    expect(namesOf('metric')).toEqual(['auroc', 'aupr', 'fpr-at-95-tpr']);
    expect(components.length).toBe(10);
  });

  it('gives every component but linear a closed empty options schema', () => {
    // linear-score.test.ts checks the options of linear.
    for (const component of registeredComponents().filter((component) => component.name !== 'linear')) {
      expect(component.optionsSchema).toEqual({ type: 'object', additionalProperties: false, properties: {} });
    }
  });

  it('creates working score and metric instances', () => {
    const bank = {
      projections: tf.tensor3d([[[1, 0], [0, 1], [1, 1]]]),
      shiftLogits: tf.tensor3d([[[1], [2], [3]]]),
    };
    const byName = new Map(registeredComponents().map((component) => [`${component.kind}:${component.name}`, component]));
    const csi = byName.get('score:csi')!.create({}, undefined as never) as DetectionScore;
    const auroc = byName.get('metric:auroc')!.create({}, undefined as never) as Metric;

    csi.fit(bank);
    const scores = csi.score(bank);
    csi.dispose();

    expect(Array.from(scores)).toEqual(Array.from(scoreCsi(bank, bank)));
    expect(auroc.compute(Float32Array.from([2, 1]), Uint8Array.from([1, 0]))).toBe(1);
    tf.dispose([bank.projections, bank.shiftLogits]);
  });
});

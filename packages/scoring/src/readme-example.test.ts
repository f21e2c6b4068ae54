import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { balancingWeights, computeAuroc, scoreCsi } from '@csi/scoring';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('README example', () => {
  it('runs and ranks the normal image first', () => {
    const before = tf.memory().numTensors;

    // K = 2 shifts, 3 training images and 2 test images, P = 2.
    const train = {
      projections: tf.tensor3d([[[1, 0], [0.9, 0.1], [0.8, 0.3]], [[0, 1], [0.1, 0.9], [0.2, 1]]]),
      shiftLogits: tf.tensor3d([[[3, 0], [2, 1], [4, 0]], [[0, 2], [1, 3], [0, 4]]]),
    };
    const test = {
      projections: tf.tensor3d([[[1, 0.1], [-1, 0]], [[0.1, 1], [1, 0]]]),
      shiftLogits: tf.tensor3d([[[3, 0], [0, 1]], [[0, 3], [2, 0]]]),
    };

    const weights = balancingWeights(train); // { conSi: [λ_con_0, λ_con_1], clsSi: [λ_cls_0, λ_cls_1] }
    const scores = scoreCsi(train, test); // Float32Array [2], larger = more normal
    const auroc = computeAuroc(scores, Uint8Array.from([1, 0])); // the first test image is normal
    tf.dispose([train.projections, train.shiftLogits, test.projections, test.shiftLogits]);

    expect(weights.conSi.length).toBe(2);
    expect(weights.clsSi[0]).toBeCloseTo(1 / 3, 6);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(auroc).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the code shown in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const source = readFileSync(new URL(import.meta.url), 'utf8');

    expect(block).toBeDefined();
    let searchFrom = 0;
    for (const line of block!.split('\n').map((text) => text.trim()).filter((text) => text !== '')) {
      const found = source.indexOf(line, searchFrom);
      expect(found, `README line missing from this test: ${line}`).toBeGreaterThanOrEqual(0);
      searchFrom = found + line.length;
    }
  });
});

import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { clsSiLoss, conSiLoss } from '@csi/losses';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('README example', () => {
  it('runs and returns a finite loss', () => {
    const before = tf.memory().numTensors;

    // N = 2 images, K = 4 rotations, 2 soft views: 16 rows, row r = v·8 + y·2 + i.
    const layout = { numImages: 2, numShifts: 4, numViews: 2 };
    const projections = tf.randomNormal([16, 128]) as tf.Tensor2D; // z(x), projection head
    const shiftLogits = tf.randomNormal([16, 4]) as tf.Tensor2D; // W^T f(x), shift head

    // L_CSI = L_con-SI + λ · L_cls-SI with λ = 1.
    const loss = tf.tidy(() => tf.add(conSiLoss(projections, layout, 0.5), clsSiLoss(shiftLogits, layout)));
    const value = loss.dataSync()[0];
    tf.dispose([projections, shiftLogits, loss]);

    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
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

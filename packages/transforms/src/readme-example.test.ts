// The usage example of README.md, kept here so that it compiles and runs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createSilentLogger, RandomSource } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { colorJitterAugmentation, composeShifts, cropAugmentation, cutPermShift, rotationShift } from './index.js';

describe('README example', () => {
  it('builds one view of rotation × cut-perm variant 6', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;

    const context = { logger: createSilentLogger(), cacheDir: '.cache' };
    // Rotation × cut-perm: K = 4 · 4 = 16, variant y = 4 · (quarter turns) + (cut-perm variant).
    const shift = composeShifts([
      rotationShift.create({ quarterTurns: [0, 1, 2, 3] }, context),
      cutPermShift.create({}, context),
    ]);
    const crop = cropAugmentation.create({ scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }, context);
    const jitter = colorJitterAugmentation.create(
      { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 },
      context,
    );

    const random = RandomSource.fromSeed(0);
    const images = tf.randomUniform([8, 32, 32, 3]) as tf.Tensor4D;
    const view = tf.tidy(() => jitter.apply(crop.apply(shift.apply(images, 6), random), random));
    expect(shift.numShifts).toBe(16);
    expect(view.shape).toEqual([8, 32, 32, 3]);
    tf.dispose([images, view]);

    expect(tf.memory().numTensors).toBe(before);
  });
});

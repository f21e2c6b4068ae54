import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { RandomSource } from '@csi/core';
import { beforeAll, expect, it } from 'vitest';
import { buildResNet, computeGradients, countParameters, getWeights } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The example of README.md, with smaller images and a narrower network so that the pure-JS
// backend runs it in well under a second. Keep the two in step.
it('runs the README example', () => {
  const network = buildResNet(
    { blocksPerStage: [2, 2, 2, 2], widthMultiplier: 0.0625 },
    { imageShape: [8, 8, 3], numShifts: 4, projectionSize: 128, random: RandomSource.fromSeed(0) },
  );
  const images = tf.randomUniform([2, 8, 8, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;

  const { loss, grads } = computeGradients(network, () => {
    const { projections, shiftLogits } = network.apply(images, true);
    return tf.add(tf.mean(tf.square(projections)), tf.mean(tf.square(shiftLogits))) as tf.Scalar;
  });
  expect(grads.has('stage2.block0.conv1.kernel')).toBe(true);

  const parameters = countParameters(network);
  const checkpoint = getWeights(network);
  expect(parameters).toBe([...network.trainableVariables.values()].reduce((sum, variable) => sum + variable.size, 0));
  expect(checkpoint.size).toBe(network.trainableVariables.size + network.stateVariables.size);

  tf.dispose([loss, ...grads.values()]);
  expect(tf.memory().numTensors).toBe(before);
  images.dispose();
  network.dispose();
});

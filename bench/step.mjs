// Times one backend on the main job's network: CIFAR-style ResNet with one block per stage at
// width multiplier 0.25 (stages 16/32/64/128), 28×28×1 images, P = 128, K = 4 shifts.
//   training: 32 images per step = 2 views × 4 shifts × 32 = 256 views, con-SI + cls-SI, SGD step
//   scoring:  256 images per pass = 4 shifts × 256 = 1024 views, evaluation mode
// Prints one JSON line. Run through bench/run.mjs, which compares backends with PyTorch.
//
//   node bench/step.mjs --backend native [--steps 5]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, createSilentLogger, setupBackend } from '@csi/core';
import { buildResNet } from '@csi/backbone';
import { clsSiLoss, conSiLoss } from '@csi/losses';

const { values: options } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
  },
});
const IMAGES_PER_STEP = 32;
const SHIFTS = 4;
const VIEWS = 2;
const SCORE_IMAGES = 256;

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const selection = await setupBackend(options.backend, createSilentLogger());
const network = buildResNet(
  { blocksPerStage: [1, 1, 1, 1], widthMultiplier: 0.25 },
  { imageShape: [28, 28, 1], numShifts: SHIFTS, projectionSize: 128, random: RandomSource.fromSeed(0) },
);
const layout = { numImages: IMAGES_PER_STEP, numShifts: SHIFTS, numViews: VIEWS };
const trainViews = tf.randomUniform([VIEWS * SHIFTS * IMAGES_PER_STEP, 28, 28, 1], 0, 1, 'float32', 1);
const scoreViews = tf.randomUniform([SHIFTS * SCORE_IMAGES, 28, 28, 1], 0, 1, 'float32', 2);
const variables = [...network.trainableVariables.values()];
const optimizer = tf.train.momentum(0.01, 0.9);

function trainStep() {
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const outputs = network.apply(trainViews, true);
      return tf.add(conSiLoss(outputs.projections, layout, 0.5), clsSiLoss(outputs.shiftLogits, layout));
    }, variables);
    optimizer.applyGradients(grads);
    return value;
  });
  loss.dataSync();
  loss.dispose();
}

function scorePass() {
  tf.tidy(() => {
    const outputs = network.apply(scoreViews, false);
    outputs.projections.dataSync();
    outputs.shiftLogits.dataSync();
  });
}

function medianSeconds(run) {
  for (let i = 0; i < Number(options.warmup); i++) run();
  const seconds = [];
  for (let i = 0; i < Number(options.steps); i++) {
    const start = process.hrtime.bigint();
    run();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  return seconds[Math.floor(seconds.length / 2)];
}

const trainSeconds = medianSeconds(trainStep);
const scoreSeconds = medianSeconds(scorePass);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    contender: selection.choice,
    trainImagesPerSecond: IMAGES_PER_STEP / trainSeconds,
    scoreImagesPerSecond: SCORE_IMAGES / scoreSeconds,
    peakRssMiB: peakRss / 2 ** 20,
  }),
);

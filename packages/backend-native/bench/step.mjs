// Times a training step and a forward pass of bench/resnet-model.mjs on one TensorFlow.js backend.
//
//   pnpm --filter @csi/backend-native build
//   node packages/backend-native/bench/step.mjs --backend native --width 16 --batch 256
//   node packages/backend-native/bench/step.mjs --backend native --profile   # per-kernel times
//
// --backend native | wasm | cpu (cpu only for small runs: it needs minutes per step at batch 256).
// --width 16 gives stages 16/32/64/128; --width 32 gives 32/64/128/256.
// --batch-norm standard (tf.moments + tf.batchNorm, as @csi/backbone does) | fused
// (batchNormTraining from this package; native only).
// Prints one JSON line with images per second, after the human-readable lines.
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createResNet, csiLikeLoss, seededValues } from './resnet-model.mjs';

const { values: options } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    width: { type: 'string', default: '16' },
    batch: { type: 'string', default: '256' },
    size: { type: 'string', default: '28' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    threads: { type: 'string' },
    'batch-norm': { type: 'string', default: 'standard' },
  },
});
const width = Number(options.width);
const batch = Number(options.batch);
const imageSize = Number(options.size);
const steps = Number(options.steps);
const warmup = Number(options.warmup);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const tf = await import('@tensorflow/tfjs-core');
register('./resolve-extensionless.mjs', import.meta.url);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
const backendName = await activateBackend(options.backend);
console.log(`backend ${backendName}: width ${width} (stages ${[1, 2, 4, 8].map((m) => m * width).join('/')}), ` +
  `batch ${batch} views of ${imageSize}x${imageSize}x1`);

let batchNormTraining = null;
if (options['batch-norm'] === 'fused') {
  ({ batchNormTraining } = await import(path.join(packageDir, 'dist', 'index.js')));
} else if (options['batch-norm'] !== 'standard') {
  throw new Error(`unknown --batch-norm "${options['batch-norm']}"; expected standard or fused`);
}
console.log(`batch norm: ${options['batch-norm']}`);
const model = createResNet(tf, { widths: [1, 2, 4, 8].map((m) => m * width), batchNormTraining });
const images = tf.tensor4d(seededValues(batch * imageSize * imageSize, 99), [batch, imageSize, imageSize, 1]);
const optimizer = tf.train.momentum(0.01, 0.9);

const forwardOnce = () => {
  const outputs = tf.tidy(() => model.forward(images));
  outputs.projections.dataSync();
  tf.dispose(outputs);
};
let lastLoss = NaN;
const trainOnce = () => {
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => csiLikeLoss(tf, model.forward(images)), model.variables);
    optimizer.applyGradients(grads);
    return value;
  });
  lastLoss = loss.dataSync()[0];
  loss.dispose();
};

const forwardRate = timeRate('forward', forwardOnce);
let trainRate = null;
let trainError = null;
try {
  trainRate = timeRate('train step', trainOnce);
} catch (error) {
  trainError = error.message;
  console.log(`train step: failed: ${trainError}`);
}
if (options.profile && trainError === null) await profileStep();

console.log(JSON.stringify({
  backend: backendName, batchNorm: options['batch-norm'], width, batch, imageSize,
  forwardImagesPerSecond: round(forwardRate), trainImagesPerSecond: trainRate === null ? null : round(trainRate),
  trainError, lastLoss, tensorsAlive: tf.memory().numTensors,
}));

function timeRate(label, run) {
  for (let i = 0; i < warmup; i++) run();
  const seconds = [];
  for (let i = 0; i < steps; i++) {
    const start = process.hrtime.bigint();
    run();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)];
  console.log(`${label}: median ${(median * 1000).toFixed(1)} ms over ${steps} runs ` +
    `(min ${(seconds[0] * 1000).toFixed(1)}), ${(batch / median).toFixed(1)} images/s`);
  return batch / median;
}

async function profileStep() {
  const profile = await tf.profile(trainOnce);
  const byKernel = new Map();
  for (const kernel of profile.kernels) {
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(kernel.kernelTimeMs) || 0;
    entry.calls += 1;
    byKernel.set(kernel.name, entry);
  }
  const total = [...byKernel.values()].reduce((sum, entry) => sum + entry.ms, 0);
  console.log(`kernel time in one profiled step: ${total.toFixed(1)} ms`);
  for (const [name, entry] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`  ${name.padEnd(24)} ${entry.ms.toFixed(1).padStart(8)} ms ${(100 * entry.ms / total).toFixed(1).padStart(5)}%  ${entry.calls} calls`);
  }
}

async function activateBackend(choice) {
  if (choice === 'native') {
    const native = await import(path.join(packageDir, 'dist', 'index.js'));
    const name = native.registerNativeBackend();
    await tf.setBackend(name);
    const status = native.nativeBackendStatus();
    console.log(`oneDNN ${status.oneDnnVersion}, ${status.threads} threads`);
    return name;
  }
  if (choice === 'wasm') {
    // This package does not depend on the wasm backend; @csi/core does, so resolve it from there.
    const requireFromCore = createRequire(path.join(packageDir, '..', 'core', 'package.json'));
    const wasm = await import(requireFromCore.resolve('@tensorflow/tfjs-backend-wasm'));
    if (options.threads) wasm.setThreadsCount?.(Number(options.threads));
    await tf.setBackend('wasm');
    return 'wasm';
  }
  if (choice === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    return 'cpu';
  }
  throw new Error(`unknown --backend "${choice}"; expected native, wasm or cpu`);
}

function round(value) {
  return Math.round(value * 10) / 10;
}

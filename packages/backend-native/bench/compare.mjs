// Runs bench/step.mjs (native, fused and standard batch norm) and bench/step-torch.py (NCHW and
// channels_last) in turns and prints the best images/s of each with the ratio to PyTorch on NCHW,
// its default layout. Taking turns and the best of several
// rounds keeps other load on a shared machine from favouring one side.
//
//   node packages/backend-native/bench/compare.mjs --threads 2 --rounds 3 --width 16 --batch 256
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    width: { type: 'string', default: '16' },
    batch: { type: 'string', default: '256' },
    steps: { type: 'string', default: '3' },
    python: { type: 'string', default: '/usr/bin/python3' },
    // Unset: each side uses its own default (PyTorch: libgomp's spin-then-sleep; native: passive).
    'omp-wait-policy': { type: 'string' },
  },
});
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const common = ['--width', options.width, '--batch', options.batch, '--steps', options.steps];
const env = { ...process.env, OMP_NUM_THREADS: options.threads };
if (options['omp-wait-policy']) env.OMP_WAIT_POLICY = options['omp-wait-policy'];
const contenders = {
  'native, batchNormTraining': [process.execPath, [path.join(benchDir, 'step.mjs'), '--backend', 'native', '--batch-norm', 'fused', ...common]],
  'native, tf.moments + tf.batchNorm': [process.execPath, [path.join(benchDir, 'step.mjs'), '--backend', 'native', '--batch-norm', 'standard', ...common]],
  [`PyTorch, ${options.threads} threads`]: [options.python, [path.join(benchDir, 'step-torch.py'), '--threads', options.threads, ...common]],
  'PyTorch, channels_last': [options.python, [path.join(benchDir, 'step-torch.py'), '--threads', options.threads, '--channels-last', ...common]],
};

const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, { train: [], forward: [] }]));
for (let round = 0; round < Number(options.rounds); round++) {
  for (const [name, [command, args]] of Object.entries(contenders)) {
    const run = spawnSync(command, args, { env, encoding: 'utf8' });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      console.error(`${name}: no result (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      continue;
    }
    if (record.trainImagesPerSecond !== null) results[name].train.push(record.trainImagesPerSecond);
    results[name].forward.push(record.forwardImagesPerSecond);
    console.log(`round ${round + 1} ${name}: train ${record.trainImagesPerSecond} images/s, forward ${record.forwardImagesPerSecond} images/s`);
  }
}

const best = (values) => (values.length === 0 ? NaN : Math.max(...values));
const torch = results[`PyTorch, ${options.threads} threads`];
console.log(`\nbest of ${options.rounds} rounds, width ${options.width}, batch ${options.batch}, ` +
  `OMP_NUM_THREADS=${options.threads}, OMP_WAIT_POLICY=${options['omp-wait-policy'] ?? '(defaults)'}`);
console.log('| contender | train images/s | vs PyTorch | forward images/s | vs PyTorch |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, { train, forward }] of Object.entries(results)) {
  const trainRatio = best(train) / best(torch.train);
  const forwardRatio = best(forward) / best(torch.forward);
  console.log(`| ${name} | ${best(train).toFixed(1)} | ${trainRatio.toFixed(2)} | ${best(forward).toFixed(1)} | ${forwardRatio.toFixed(2)} |`);
}

// `pnpm bench`: training and scoring throughput and peak memory of the main job's network on
// each available backend, and on PyTorch (Debian's python3-torch) when /usr/bin/python3 has it,
// with the ratios ours / PyTorch. Contenders take turns for several rounds and the median of the
// rounds is reported, so a burst of other load on the machine does not favour one side.
//
//   pnpm bench [--rounds 3] [--steps 5] [--backends native,wasm]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'native,wasm' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const benchDir = dirname(fileURLToPath(import.meta.url));
const contenders = options.backends.split(',').map((backend) => ({
  label: backend,
  command: process.execPath,
  args: [join(benchDir, 'step.mjs'), '--backend', backend, '--steps', options.steps],
}));
const torchCheck = spawnSync(options.python, ['-c', 'import torch'], { encoding: 'utf8' });
const hasTorch = torchCheck.status === 0;
if (hasTorch) {
  contenders.push({ label: 'pytorch', command: options.python, args: [join(benchDir, 'step_torch.py'), '--steps', options.steps] });
} else {
  console.log(`PyTorch not found at ${options.python} (install Debian's python3-torch); ratios are skipped.`);
}
console.log('The pure-JS cpu backend is left out: it takes minutes per step at this batch size.');

const results = new Map(contenders.map((contender) => [contender.label, []]));
for (let round = 1; round <= Number(options.rounds); round++) {
  for (const contender of contenders) {
    const run = spawnSync(contender.command, contender.args, { encoding: 'utf8', cwd: dirname(benchDir) });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    try {
      const record = JSON.parse(line);
      results.get(contender.label).push(record);
      console.log(
        `round ${round} ${contender.label}: train ${record.trainImagesPerSecond.toFixed(1)} images/s, ` +
          `score ${record.scoreImagesPerSecond.toFixed(1)} images/s, peak ${record.peakRssMiB.toFixed(0)} MiB`,
      );
    } catch {
      const reason = run.stderr.trim().split('\n').slice(-2).join(' | ');
      console.log(`round ${round} ${contender.label}: no result (exit ${run.status}): ${reason}`);
    }
  }
}

const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const summary = new Map(
  [...results].map(([label, records]) => [
    label,
    {
      train: median(records.map((record) => record.trainImagesPerSecond)),
      score: median(records.map((record) => record.scoreImagesPerSecond)),
      peak: records.length === 0 ? NaN : Math.max(...records.map((record) => record.peakRssMiB)),
    },
  ]),
);
const torch = summary.get('pytorch');
const ratio = (value, reference) => (reference ? (value / reference).toFixed(2) : 'n/a');
console.log(`\nmedian of ${options.rounds} rounds; training: 32 images (256 views) per step; scoring: 256 images (1024 views) per pass`);
console.log('| contender | train images/s | train vs PyTorch | score images/s | score vs PyTorch | peak RSS MiB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [label, row] of summary) {
  console.log(
    `| ${label} | ${row.train.toFixed(1)} | ${ratio(row.train, torch?.train)} | ${row.score.toFixed(1)} | ` +
      `${ratio(row.score, torch?.score)} | ${row.peak.toFixed(0)} |`,
  );
}

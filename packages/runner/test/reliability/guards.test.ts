// The checks that stop `csi run` with a message, an exit status and no stack trace: a
// non-finite loss, an empty normal class, a batch larger than the data, images of another size
// and an unwritable run folder. Each also checks that no earlier result was overwritten. Runs the
// built binary; needs `pnpm build` first.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/run/checkpoint.js';
import { alternatingLabels, assertBuilt, csi, hashFolder, STACK_LINE, tinySpecYaml, writeIdxData, type CliResult } from './run-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'csi-guards-'));
const doneDir = join(work, 'done');
const nanPlugin = fileURLToPath(new URL('./fixtures/nan-loss-plugin.mjs', import.meta.url));
// 32 normal training images in batches of 8: 4 steps per epoch.
const STEPS_PER_EPOCH = 4;
let doneHashes: Record<string, string>;

beforeAll(async () => {
  assertBuilt();
  // Class 2 ("empty") is named but has no images.
  writeIdxData(join(work, 'data'), { train: alternatingLabels(64), test: alternatingLabels(20) });
  const base = { dataRoot: join(work, 'data'), classNames: ['bar', 'squares', 'empty'], epochs: 1, batchSize: 8 };
  writeFileSync(join(work, 'spec.yaml'), tinySpecYaml(base));
  writeFileSync(
    join(work, 'nan.yaml'),
    tinySpecYaml({
      ...base,
      epochs: 3,
      plugins: [nanPlugin],
      train: { loss: ['con-si', { name: 'nan-at-step', weight: 1, options: { step: STEPS_PER_EPOCH + 2 } }] },
    }),
  );
  writeFileSync(join(work, 'a-file'), 'a regular file, not a folder\n');

  const done = await csi(work, 'run', 'spec.yaml', '--out', doneDir);
  if (done.code !== 0) throw new Error(`the finished run to protect failed:\n${done.stderr}`);
  doneHashes = hashFolder(doneDir);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Checks what every failed run shares: the status, a plain message, and nothing overwritten. */
function expectFailure(result: CliResult, code: number, runDir: string): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stderr).not.toContain('CSI_DEBUG');
  expect(existsSync(join(runDir, 'metrics.json'))).toBe(false);
  expect(hashFolder(doneDir)).toEqual(doneHashes);
}

describe('csi run guards', () => {
  it('stops at a NaN loss and keeps the last checkpoint', async () => {
    const runDir = join(work, 'nan');
    const result = await csi(work, 'run', 'nan.yaml', '--out', runDir);
    expectFailure(result, 1, runDir);
    const step = STEPS_PER_EPOCH + 2;
    expect(result.stderr).toContain(`error: training stopped at step ${step} (epoch 2, step 2 of ${STEPS_PER_EPOCH})`);
    expect(result.stderr).toContain('loss term "nan-at-step" (lossNanAtStep) is NaN');
    expect(result.stderr).not.toContain('"con-si"');
    expect(result.stderr).toContain(`The checkpoint of epoch 1 in ${runDir} is kept.`);
    expect(result.stderr).toContain('Lower train.optimizer.learningRate');
    // The run's own log ends with the failure, once, and the console shows it once.
    const records = readFileSync(join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; error?: string });
    expect(records.at(-1)?.msg).toBe('run failed');
    expect(records.at(-1)?.error).toContain(`training stopped at step ${step}`);
    expect(result.stderr.split('training stopped at step').length - 1).toBe(1);

    const checkpoint = loadCheckpoint(runDir);
    expect(checkpoint?.epoch).toBe(1);
    expect(checkpoint?.step).toBe(STEPS_PER_EPOCH);
    for (const [name, array] of checkpoint?.weights ?? []) {
      expect(array.values.every(Number.isFinite), name).toBe(true);
    }
  });

  it('stops a diverging run before its first checkpoint', async () => {
    const runDir = join(work, 'huge-lr');
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir, '--set', 'train.optimizer={name: sgd, learningRate: 1.0e+30}');
    expectFailure(result, 1, runDir);
    expect(result.stderr).toMatch(/error: training stopped at step [1-4] \(epoch 1, step [1-4] of 4\): loss term "(con-si|cls-si)" \(lossConSi|lossClsSi\) is (NaN|-?Infinity)/);
    expect(result.stderr).toContain('No checkpoint was written, because epoch 1 did not finish.');
    expect(existsSync(join(runDir, 'checkpoint.bin'))).toBe(false);
  });

  it('rejects a normal class without images', async () => {
    const runDir = join(work, 'empty-class');
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir, '--set', 'protocol.options.normalClasses=[2]');
    expectFailure(result, 1, runDir);
    expect(result.stderr).toContain('error: one-class: normal class 2 (empty) has no images in the train split');
    expect(result.stderr).toContain('Choose normalClasses among the classes with train images: 0 (bar): 32, 1 (squares): 32.');
    expect(existsSync(join(runDir, 'checkpoint.bin'))).toBe(false);
  });

  it('rejects a batch larger than the training images', async () => {
    const runDir = join(work, 'big-batch');
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir, '--set', 'train.batchSize=33');
    expectFailure(result, 2, runDir);
    expect(result.stderr).toContain('train.batchSize: batch size 33 is larger than the 32 training images; lower it to at most 32');
    expect(existsSync(join(runDir, 'checkpoint.bin'))).toBe(false);
  });

  it('rejects images of another size than the spec says', async () => {
    const runDir = join(work, 'wrong-size');
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir, '--set', 'data.dataset.options.height=20');
    expectFailure(result, 1, runDir);
    expect(result.stderr).toContain(`${join(work, 'data', 'train-images-idx3-ubyte')}: images are [16, 16, 1] (H, W, C), expected [20, 16, 1]`);
    expect(existsSync(join(runDir, 'checkpoint.bin'))).toBe(false);
  });

  it('rejects a run folder under a regular file', async () => {
    const runDir = join(work, 'a-file', 'run');
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`error: cannot write the run folder ${runDir}: ENOTDIR`);
    expect(result.stderr).toContain('Pass a writable folder with --out DIR or set outputDir in the spec.');
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).not.toContain('CSI_DEBUG');
    expect(hashFolder(doneDir)).toEqual(doneHashes);
  });

  it('rejects a run folder that is a regular file', async () => {
    const result = await csi(work, 'run', 'spec.yaml', '--out', join(work, 'a-file'));
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`error: cannot write the run folder ${join(work, 'a-file')}: EEXIST`);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('warns about the shift classifier without a shift', async () => {
    const runDir = join(work, 'no-shift');
    // The default loss is con-si + cls-si and the default score csi, both with a shift head.
    const result = await csi(work, 'run', 'spec.yaml', '--set', 'train.shift=[]', '--out', runDir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('warning: train.shift is empty (K = 1), so the shift classifier of loss "cls-si" and score "csi" has one class');
    expect(result.stderr).toContain('add a shift transform (e.g. train.shift: [rotation])');
  });
});

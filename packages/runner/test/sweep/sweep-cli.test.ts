// End-to-end runs of `csi sweep` (the built binary) on a small generated data set: a sweep killed
// with SIGKILL after its first cell, then run again, must skip the finished cells and complete
// the table. They need `pnpm build` first (the root `pnpm test` runs it).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_FILE, runCsi, type CliResult } from '../csi-binary.js';
import { writeSyntheticIdx } from '../synthetic-data.js';

const work = mkdtempSync(join(tmpdir(), 'csi-sweep-cli-'));

function csi(...args: string[]): Promise<CliResult> {
  return runCsi(work, args);
}

// SimCLR (no shift, K = 1) keeps each training short. The two scores of one normal class share
// one trained model, so the sweep trains twice for four cells.
const SPEC = `
name: synthetic-sweep
seed: 3
data:
  dataset:
    name: idx-folder
    options:
      root: ${join(work, 'data')}
      classNames: [upright-t, blobs]
model:
  backbone:
    name: resnet
    options:
      blocksPerStage: [1, 1, 1, 1]
      widthMultiplier: 0.125
  projectionSize: 16
train:
  epochs: 1
  batchSize: 16
  shift: []
  loss: [nt-xent]
  schedule:
    warmupEpochs: 0
    warmupMultiplier: 1
eval:
  score: con
  batchSize: 64
sweep:
  grid:
    protocol.options.normalClasses: [[0], [1]]
    eval.score: [con, norm]
`;

const CELLS = ['normalClasses-0_score-con', 'normalClasses-0_score-norm', 'normalClasses-1_score-con', 'normalClasses-1_score-norm'];

beforeAll(() => {
  if (!existsSync(CLI_FILE)) throw new Error(`${CLI_FILE} is missing; run pnpm build before these tests`);
  // 64 training images of each class and 64 test images.
  writeSyntheticIdx(join(work, 'data'), { train: 128, test: 64 });
  writeFileSync(join(work, 'sweep.yaml'), SPEC);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts `csi sweep`, kills it with SIGKILL as soon as `file` exists, and resolves when it has exited. */
function killSweepWhenFileAppears(args: string[], file: string): Promise<{ signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_FILE, ...args], { cwd: work, stdio: 'ignore' });
    const timer = setInterval(() => {
      if (existsSync(file)) child.kill('SIGKILL');
    }, 20);
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolvePromise({ code, signal });
    });
  });
}

describe('csi sweep', () => {
  const outDir = join(work, 'sweep-out');
  const metricsFile = (cell: string) => join(outDir, 'cells', cell, 'metrics.json');

  it('lists and validates the cells with --dry-run', async () => {
    const result = await csi('sweep', 'sweep.yaml', '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sweep.yaml: 4 cells, all valid');
    expect(result.stdout).toContain('1. normalClasses-0_score-con: protocol.options.normalClasses=[0], eval.score=con');
    expect(result.stdout).toContain('4. normalClasses-1_score-norm: protocol.options.normalClasses=[1], eval.score=norm');
    expect(existsSync(outDir)).toBe(false);
  });

  it('exits 2 listing every invalid cell', async () => {
    const result = await csi('sweep', 'sweep.yaml', '--dry-run', '--set', 'sweep.grid={ train.batchSize: [0, -1, 16] }');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('train.batchSize: must be >= 1; found 0 (from sweep.grid["train.batchSize"][0]) [in cell batchSize-0]\n');
    expect(result.stderr).toContain('train.batchSize: must be >= 1; found -1 (from sweep.grid["train.batchSize"][1]) [in cell batchSize--1]\n');
    expect(result.stderr).toContain('2 problems found.');
    expect(result.stdout).toBe('');
  });

  it('resumes after SIGKILL without redoing finished cells', async () => {
    const killed = await killSweepWhenFileAppears(['sweep', 'sweep.yaml', '--out', outDir], metricsFile(CELLS[0]!));
    expect(killed.signal).toBe('SIGKILL');

    const finishedBefore = CELLS.filter((cell) => existsSync(metricsFile(cell)));
    expect(finishedBefore).toContain(CELLS[0]);
    // The kill comes within milliseconds of the first cell's end, long before the third cell
    // (a second training) can finish.
    expect(finishedBefore.length).toBeLessThan(CELLS.length);
    const modifiedBefore = new Map(finishedBefore.map((cell) => [cell, statSync(metricsFile(cell)).mtimeMs]));
    // The results were written before the first cell; the kill may come before their update.
    const resultsBefore = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    expect(resultsBefore.cells).toHaveLength(CELLS.length);

    const second = await csi('sweep', 'sweep.yaml', '--out', outDir);
    expect(second.code).toBe(0);
    for (const cell of finishedBefore) {
      expect(statSync(metricsFile(cell)).mtimeMs, cell).toBe(modifiedBefore.get(cell));
      expect(second.stderr).toContain(`${cell}: finished earlier, skipped`);
    }
    for (const cell of CELLS) expect(existsSync(metricsFile(cell)), cell).toBe(true);

    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    expect(results.cells.map((cell: { id: string; status: string }) => [cell.id, cell.status])).toEqual(CELLS.map((cell) => [cell, 'done']));
    for (const cell of results.cells as { metrics: { auroc: number } }[]) {
      expect(cell.metrics.auroc).toBeGreaterThanOrEqual(0);
      expect(cell.metrics.auroc).toBeLessThanOrEqual(1);
    }
    expect(results.aggregate.map((row: { columns: object; n: number }) => [row.columns, row.n])).toEqual([
      [{ score: 'con' }, 2],
      [{ score: 'norm' }, 2],
    ]);

    const markdown = readFileSync(join(outDir, 'results.md'), 'utf8');
    expect(markdown).toContain('4 cells: 4 finished, 0 failed, 0 pending.');
    for (const cell of CELLS) expect(markdown).toContain(`| ${cell} | done |`);
    expect(readFileSync(join(outDir, 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(5);

    expect(second.stdout).toMatch(/^score\s+n\s+auroc\s+aupr\s+fpr-at-95-tpr\n/);
    expect(second.stdout).toMatch(/\ncon\s+2\s+0\.\d{4} ± 0\.\d{4}/);
    expect(second.stdout).toContain(`results: ${join('sweep-out', 'results.md')}`);
  });

  it('scores the shared model without training again', () => {
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    expect(results.cells.map((cell: { trainedIn: string | null }) => cell.trainedIn)).toEqual([null, CELLS[0], null, CELLS[2]]);
    expect(existsSync(join(outDir, 'cells', CELLS[1]!, 'checkpoint.bin'))).toBe(false);
    expect(existsSync(join(outDir, 'cells', CELLS[2]!, 'checkpoint.bin'))).toBe(true);
  });

  it('continues an interrupted cell from its checkpoint', async () => {
    // Two epochs: the checkpoint of epoch 1 appears while epoch 2 still trains.
    const dir = join(work, 'resume-out');
    const args = ['sweep', 'sweep.yaml', '--out', dir, '--set', 'train.epochs=2', '--set', 'sweep.grid={ seed: [5] }'];
    const cellDir = join(dir, 'cells', 'seed-5');
    const killed = await killSweepWhenFileAppears(args, join(cellDir, 'checkpoint.bin'));
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(cellDir, 'metrics.json'))).toBe(false);

    const rerun = await csi(...args);
    expect(rerun.code).toBe(0);
    const log = readFileSync(join(cellDir, 'log.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { msg: string; epoch?: number });
    expect(log.filter((record) => record.msg === 'resuming from checkpoint').map((record) => record.epoch)).toEqual([1]);
    const metrics = JSON.parse(readFileSync(join(cellDir, 'metrics.json'), 'utf8')) as { history: { epoch: number }[] };
    expect(metrics.history.map((record) => record.epoch)).toEqual([1, 2]);
  });

  it('skips every cell on a third run', async () => {
    const third = await csi('sweep', 'sweep.yaml', '--out', outDir);
    expect(third.code).toBe(0);
    expect(third.stderr.match(/finished earlier, skipped/g)).toHaveLength(4);
  });

  it('marks finished cells in a dry run over the sweep folder', async () => {
    const result = await csi('sweep', 'sweep.yaml', '--dry-run', '--out', outDir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`sweep.yaml: 4 cells, all valid; 4 finished in ${join('sweep-out')} and would be skipped`);
    expect(result.stdout).toContain('1. normalClasses-0_score-con: protocol.options.normalClasses=[0], eval.score=con (finished)');
  });

  it('stops a dry run whose --set changes finished cells', async () => {
    const result = await csi('sweep', 'sweep.yaml', '--dry-run', '--out', outDir, '--set', 'train.epochs=2');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('4 finished cells of this sweep ran with a different spec');
    expect(result.stdout).toBe('');
  });
});

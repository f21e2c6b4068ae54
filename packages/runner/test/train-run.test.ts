// End-to-end runs of the built `csi` binary on a small generated data set: training, scoring,
// the run folder, evaluation of a saved checkpoint, and reproducibility. They need `pnpm build`
// first (the root `pnpm test` runs it).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_FILE, runCsi, type CliResult } from './csi-binary.js';
import { writeSyntheticIdx } from './synthetic-data.js';

const work = mkdtempSync(join(tmpdir(), 'csi-train-run-'));

function csi(...args: string[]): Promise<CliResult> {
  return runCsi(work, args);
}

const SPEC = `
name: synthetic-tiny
seed: 3
backend: auto
data:
  dataset:
    name: idx-folder
    options:
      root: ${join(work, 'data')}
      classNames: [upright-t, blobs]
protocol:
  name: one-class
  options:
    normalClasses: [0]
model:
  backbone:
    name: resnet
    options:
      blocksPerStage: [1, 1, 1, 1]
      widthMultiplier: 0.125
  projectionSize: 16
train:
  epochs: 2
  batchSize: 16
  schedule:
    warmupEpochs: 0
    warmupMultiplier: 1
eval:
  batchSize: 100
`;

beforeAll(() => {
  if (!existsSync(CLI_FILE)) throw new Error(`${CLI_FILE} is missing; run pnpm build before these tests`);
  // 128 training images of each class (the one-class protocol keeps class 0) and 200 test images.
  writeSyntheticIdx(join(work, 'data'), { train: 256, test: 200 });
  writeFileSync(join(work, 'tiny.yaml'), SPEC);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function readMetrics(runDir: string): { metrics: Record<string, number>; history: Record<string, number>[]; testImages: number } {
  return JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
}

describe('csi run on generated images', () => {
  let first: CliResult;
  const firstDir = join(work, 'run-1');

  beforeAll(async () => {
    first = await csi('run', 'tiny.yaml', '--out', firstDir);
  });

  it('exits 0 and prints the metrics', () => {
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/auroc\s+0\.\d{4}/);
  });

  it('writes the run folder', () => {
    for (const file of ['spec.yaml', 'metrics.json', 'timing.json', 'scores.csv', 'report.md', 'checkpoint.bin', 'log.jsonl']) {
      expect(existsSync(join(firstDir, file)), file).toBe(true);
    }
  });

  it('scores every test image', () => {
    const rows = readFileSync(join(firstDir, 'scores.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('index,label,class_name,is_normal,score');
    expect(rows).toHaveLength(201);
    const normalRows = rows.slice(1).filter((row) => row.split(',')[3] === '1');
    // Every even image is class 0 (upright-t), the normal class.
    expect(normalRows).toHaveLength(100);
    expect(normalRows.every((row) => row.split(',')[2] === 'upright-t')).toBe(true);
  });

  it('records both loss terms for both epochs', () => {
    const { metrics, history, testImages } = readMetrics(firstDir);
    expect(testImages).toBe(200);
    expect(history.map((record) => record.epoch)).toEqual([1, 2]);
    for (const record of history) {
      expect(Number.isFinite(record.lossConSi)).toBe(true);
      expect(Number.isFinite(record.lossClsSi)).toBe(true);
    }
    expect(metrics.auroc).toBeGreaterThanOrEqual(0);
    expect(metrics.auroc).toBeLessThanOrEqual(1);
  });

  it('gives identical metrics for the same seed', async () => {
    const secondDir = join(work, 'run-2');
    const second = await csi('run', 'tiny.yaml', '--out', secondDir);
    expect(second.code).toBe(0);
    expect(readFileSync(join(secondDir, 'metrics.json'), 'utf8')).toBe(readFileSync(join(firstDir, 'metrics.json'), 'utf8'));
    expect(readFileSync(join(secondDir, 'scores.csv'), 'utf8')).toBe(readFileSync(join(firstDir, 'scores.csv'), 'utf8'));
  });

  it('scores a saved checkpoint with csi eval', async () => {
    const evalDir = join(work, 'eval-1');
    const result = await csi('eval', 'tiny.yaml', '--checkpoint', firstDir, '--out', evalDir);
    expect(result.code).toBe(0);
    expect(readMetrics(evalDir).metrics).toEqual(readMetrics(firstDir).metrics);
    // The evaluation trained nothing: it has no throughput of its own, and the report names the checkpoint.
    expect(JSON.parse(readFileSync(join(evalDir, 'timing.json'), 'utf8')).imagesPerSecond).toEqual([]);
    const report = readFileSync(join(evalDir, 'report.md'), 'utf8');
    expect(report).toContain(`- scored the checkpoint of ${firstDir}, without training`);
    expect(report).toContain('## Training of the checkpoint');
  });
});

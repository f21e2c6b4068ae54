// End-to-end runs of the built `csi` binary with the multi-class protocols on a small generated
// three-class data set: one metric per OOD set, and the labelled protocol with the linear
// classifier of sup-CSI. The metrics are checked against values recomputed from scores.csv.
// They need `pnpm build` first (the root `pnpm test` runs it).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_FILE, runCsi, type CliResult } from './csi-binary.js';
import { writeSyntheticIdx } from './synthetic-data.js';

const work = mkdtempSync(join(tmpdir(), 'csi-multi-class-run-'));

function csi(...args: string[]): Promise<CliResult> {
  return runCsi(work, args);
}

function spec(name: string, protocol: string, train: string, score: string): string {
  return `
name: ${name}
seed: 4
backend: auto
data:
  dataset:
    name: idx-folder
    options:
      root: ${join(work, 'shapes')}
      classNames: [upright-t, blobs, square]
${protocol}
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
${train}
  schedule:
    warmupEpochs: 0
    warmupMultiplier: 1
eval:
  score: ${score}
  batchSize: 100
`;
}

interface ScoreRow {
  label: number;
  className: string;
  isNormal: boolean;
  score: number;
  predicted?: number;
  confidence?: number;
}

function readScoreRows(runDir: string): { header: string; rows: ScoreRow[] } {
  const [header, ...lines] = readFileSync(join(runDir, 'scores.csv'), 'utf8').trim().split('\n');
  const rows = lines.map((line) => {
    const [, label, className, isNormal, score, predicted, confidence] = line.split(',');
    return {
      label: Number(label),
      className: className as string,
      isNormal: isNormal === '1',
      score: Number(score),
      ...(predicted === undefined ? {} : { predicted: Number(predicted), confidence: Number(confidence) }),
    };
  });
  return { header: header as string, rows };
}

function readMetrics(runDir: string): Record<string, number> {
  return (JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')) as { metrics: Record<string, number> }).metrics;
}

/** AUROC as the share of (normal, anomalous) pairs that the score orders right, ties counting one half. */
function pairwiseAuroc(normal: readonly number[], anomalous: readonly number[]): number {
  let wins = 0;
  for (const a of normal) {
    for (const b of anomalous) {
      if (a > b) wins += 1;
      else if (a === b) wins += 0.5;
    }
  }
  return wins / (normal.length * anomalous.length);
}

beforeAll(() => {
  if (!existsSync(CLI_FILE)) throw new Error(`${CLI_FILE} is missing; run pnpm build before these tests`);
  // 64 train and 40 test images of each class; class 2 (square) is held out.
  writeSyntheticIdx(join(work, 'shapes'), { train: 192, test: 120 }, 1, 3);
  // A second data set of the same kind, used as another OOD set: 30 test images.
  writeSyntheticIdx(join(work, 'other'), { train: 2, test: 30 }, 2, 2);
  const heldOut = 'protocol:\n  name: multi-class-ood\n  options:\n    heldOutClasses: [2]';
  const twoSets = `${heldOut}\n    ood:\n      - name: idx-folder\n        options:\n          root: ${join(work, 'other')}\n          classNames: [t, blob]`;
  writeFileSync(join(work, 'two-sets.yaml'), spec('two-sets', twoSets, '  shift: [rotation]', 'csi'));
  const labelled = 'protocol:\n  name: labelled-multi-class\n  options:\n    heldOutClasses: [2]';
  const supCon = '  shift: [rotation]\n  loss:\n    - name: sup-con\n      weight: 1';
  writeFileSync(join(work, 'sup-csi.yaml'), spec('sup-csi', labelled, supCon, '{ name: linear, options: { epochs: 20 } }'));
  const oneClass = 'protocol:\n  name: one-class\n  options:\n    normalClasses: [0]';
  writeFileSync(join(work, 'sup-con-one-class.yaml'), spec('unlabelled', oneClass, supCon, 'csi'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('csi run with several OOD sets', () => {
  const runDir = join(work, 'run-two-sets');
  let result: CliResult;

  beforeAll(async () => {
    result = await csi('run', 'two-sets.yaml', '--out', runDir);
  });

  it('reports each metric over all OOD images and per OOD set', () => {
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const metrics = readMetrics(runDir);
    const { rows } = readScoreRows(runDir);
    expect(rows).toHaveLength(80 + 40 + 30);
    const normal = rows.filter((row) => row.isNormal).map((row) => row.score);
    const heldOut = rows.filter((row) => row.className === 'square').map((row) => row.score);
    const other = rows.filter((row) => row.className.startsWith('idx-folder/')).map((row) => row.score);
    expect([normal.length, heldOut.length, other.length]).toEqual([80, 40, 30]);
    expect(metrics['auroc/held-out']).toBeCloseTo(pairwiseAuroc(normal, heldOut), 6);
    expect(metrics['auroc/idx-folder']).toBeCloseTo(pairwiseAuroc(normal, other), 6);
    expect(metrics.auroc).toBeCloseTo(pairwiseAuroc(normal, [...heldOut, ...other]), 6);
    expect(Object.keys(metrics)).toEqual(
      ['auroc', 'auroc/held-out', 'auroc/idx-folder', 'aupr', 'aupr/held-out', 'aupr/idx-folder'].concat(
        ['fpr-at-95-tpr', 'fpr-at-95-tpr/held-out', 'fpr-at-95-tpr/idx-folder'],
      ),
    );
    expect(result.stderr).not.toContain('warning: only');
  });

  it('warns when a cap on test images leaves an OOD set few images', async () => {
    // 150 test images capped at 40, stratified: about 21 normal, 11 held-out and 8 of the other set.
    const evalDir = join(work, 'eval-capped');
    const capped = await csi('eval', 'two-sets.yaml', '--checkpoint', runDir, '--out', evalDir, '--set', 'data.maxTestImages=40');
    expect(capped.code, capped.stderr).toBe(0);
    expect(capped.stderr).toMatch(/warning: only \d+ images of OOD set "held-out" are scored, so its metrics \(e\.g\. auroc\/held-out\) are coarse/);
    expect(capped.stderr).toMatch(/warning: only \d+ images of OOD set "idx-folder" are scored/);
    expect(capped.stderr).toContain('raise data.maxTestImages, or set it to null to score every test image');
  });
});

describe('csi run with the labelled protocol and the linear score', () => {
  const runDir = join(work, 'run-sup-csi');
  let result: CliResult;

  beforeAll(async () => {
    result = await csi('run', 'sup-csi.yaml', '--out', runDir);
  });

  it('trains with sup-con and reports accuracy and ECE that match its predictions', () => {
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const metrics = readMetrics(runDir);
    const { header, rows } = readScoreRows(runDir);
    expect(header).toBe('index,label,class_name,is_normal,score,predicted,confidence');
    const normal = rows.filter((row) => row.isNormal);
    expect(normal).toHaveLength(80);
    // Normal test images carry the in-distribution labels 0 and 1; predictions are among them.
    expect(normal.every((row) => row.label === 0 || row.label === 1)).toBe(true);
    expect(rows.every((row) => row.predicted === 0 || row.predicted === 1)).toBe(true);

    const correct = normal.map((row) => (row.predicted === row.label ? 1 : 0));
    expect(metrics.accuracy).toBeCloseTo(correct.reduce<number>((sum, value) => sum + value, 0) / normal.length, 6);
    // ECE with 15 equal-width bins over (0, 1]: Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|.
    let ece = 0;
    for (let bin = 0; bin < 15; bin++) {
      const members = normal.flatMap((row, i) => {
        const confidence = row.confidence as number;
        const inBin = bin === 0 ? confidence <= 1 / 15 : confidence > bin / 15 && confidence <= (bin + 1) / 15;
        return inBin ? [i] : [];
      });
      if (members.length === 0) continue;
      const accuracy = members.reduce((sum, i) => sum + (correct[i] as number), 0) / members.length;
      const confidence = members.reduce((sum, i) => sum + (normal[i]?.confidence as number), 0) / members.length;
      ece += (members.length / normal.length) * Math.abs(accuracy - confidence);
    }
    expect(metrics.ece).toBeCloseTo(ece, 5);
  });

  it('scores each image by its maximum class probability', () => {
    const { rows } = readScoreRows(runDir);
    for (const row of rows) {
      expect(row.score).toBe(row.confidence);
      // Two classes: the maximum probability is at least one half.
      expect(row.score).toBeGreaterThanOrEqual(0.5);
      expect(row.score).toBeLessThanOrEqual(1);
    }
    const metrics = readMetrics(runDir);
    const normal = rows.filter((row) => row.isNormal).map((row) => row.score);
    const anomalous = rows.filter((row) => !row.isNormal).map((row) => row.score);
    expect(metrics.auroc).toBeCloseTo(pairwiseAuroc(normal, anomalous), 6);
  });
});

describe('csi run with a supervised loss and an unlabelled protocol', () => {
  it('stops before training with the loss and the protocol to use', async () => {
    const runDir = join(work, 'run-unlabelled');
    const result = await csi('run', 'sup-con-one-class.yaml', '--out', runDir);
    expect(result.code).toBe(2);
    // Spec validation catches it, so the message points into the spec file.
    expect(result.stderr).toMatch(/sup-con-one-class\.yaml:\d+:\d+ train\.loss\[0\]: /);
    expect(result.stderr).toContain('loss "sup-con" trains on class labels, but protocol "one-class" provides none');
    expect(result.stderr).toContain('labelled-multi-class');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(runDir) ? readdirSync(runDir).filter((file) => file.startsWith('checkpoint')) : []).toEqual([]);
  });
});

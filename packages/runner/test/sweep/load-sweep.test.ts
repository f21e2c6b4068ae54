import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecError, UsageError } from '@csi/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSetArgument } from '../../src/spec/overrides.js';
import { loadSweep } from '../../src/sweep/load-sweep.js';

const work = mkdtempSync(join(tmpdir(), 'csi-load-sweep-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Validation never reads the data, so the folder need not exist.
const BASE = `name: sweep-test
data:
  dataset:
    name: idx-folder
    options:
      root: ${join(work, 'data')}
      classNames: [a, b, c]
model:
  backbone:
    name: resnet
    options:
      widthMultiplier: 0.125
train:
  epochs: 1
  batchSize: 16
`;

function writeSpec(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

async function loadProblems(file: string): Promise<SpecError> {
  const error = await loadSweep(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SpecError);
  return error as SpecError;
}

describe('loadSweep', () => {
  it('validates every cell and sets its values', async () => {
    const file = writeSpec(
      'valid.yaml',
      `${BASE}sweep:
  grid:
    seed: [0, 1]
    protocol.options.normalClasses: [[0], [2]]
`,
    );
    const plan = await loadSweep(file);
    expect(plan.cells.map((cell) => cell.id)).toEqual([
      'seed-0_normalClasses-0',
      'seed-0_normalClasses-2',
      'seed-1_normalClasses-0',
      'seed-1_normalClasses-2',
    ]);
    expect(plan.cells.map((cell) => [cell.spec.seed, cell.spec.protocol.options.normalClasses])).toEqual([
      [0, [0]],
      [0, [2]],
      [1, [0]],
      [1, [2]],
    ]);
    expect(plan.settings.aggregateOver).toEqual(['seed', 'protocol.options.normalClasses']);
    expect(plan.settings.shareTraining).toBe(true);
  });

  it('leaves the sweep block out of each cell', async () => {
    const file = writeSpec('no-block.yaml', `${BASE}sweep:\n  grid:\n    seed: [4]\n`);
    const [cell] = (await loadSweep(file)).cells;
    expect(cell!.spec.sweep).toBeUndefined();
    expect(cell!.resolvedSpecYaml).not.toMatch(/^sweep:/m);
    expect(cell!.resolvedSpecYaml).toContain('seed: 4');
  });

  it('keeps a cell spec when other cells are added', async () => {
    const small = await loadSweep(writeSpec('small.yaml', `${BASE}sweep:\n  grid:\n    seed: [0]\n`));
    const large = await loadSweep(writeSpec('large.yaml', `${BASE}sweep:\n  grid:\n    seed: [0, 1, 2]\n`));
    expect(large.cells[0]!.resolvedSpecYaml).toBe(small.cells[0]!.resolvedSpecYaml);
  });

  it('gives cells that differ only in eval one training key', async () => {
    const file = writeSpec(
      'keys.yaml',
      `${BASE}sweep:
  grid:
    seed: [0, 1]
    eval.score: [con-si, cls-si]
`,
    );
    const keys = (await loadSweep(file)).cells.map((cell) => cell.trainingKey);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).toBe(keys[3]);
    expect(keys[0]).not.toBe(keys[2]);
  });

  it('leaves scoringOnly paths out of the training key', async () => {
    const text = (scoringOnly: string) => `${BASE}protocol:
  name: ood-ness
  options:
    transform: rotation
sweep:
  grid:
    protocol.options.transform: [rotation, cutout]
    protocol.options.normalClasses: [[0], [1]]
${scoringOnly}`;
    const shared = (await loadSweep(writeSpec('scoring-only.yaml', text('  scoringOnly: [protocol.options.transform]\n')))).cells;
    expect(shared.map((cell) => cell.id)).toEqual([
      'transform-rotation_normalClasses-0',
      'transform-rotation_normalClasses-1',
      'transform-cutout_normalClasses-0',
      'transform-cutout_normalClasses-1',
    ]);
    expect(shared[2]!.trainingKey).toBe(shared[0]!.trainingKey);
    expect(shared[3]!.trainingKey).toBe(shared[1]!.trainingKey);
    expect(shared[1]!.trainingKey).not.toBe(shared[0]!.trainingKey);
    const separate = (await loadSweep(writeSpec('scoring-too.yaml', text('')))).cells;
    expect(new Set(separate.map((cell) => cell.trainingKey)).size).toBe(4);
  });

  it('applies --set before the cell values', async () => {
    const file = writeSpec('set.yaml', `${BASE}sweep:\n  grid:\n    train.epochs: [2, 3]\n`);
    const plan = await loadSweep(file, {
      overrides: [parseSetArgument('train.epochs=9'), parseSetArgument('train.batchSize=8'), parseSetArgument('sweep.grid.seed=[7]')],
    });
    expect(plan.cells.map((cell) => [cell.spec.train.epochs, cell.spec.train.batchSize, cell.spec.seed])).toEqual([
      [2, 8, 7],
      [3, 8, 7],
    ]);
  });

  it('reports every invalid cell at once, with cell ids and locations', async () => {
    const file = writeSpec(
      'invalid.yaml',
      `${BASE}sweep:
  grid:
    train.batchSize: [0, 16, -1]
    eval.score: [csi, nrom]
`,
    );
    const { problems } = await loadProblems(file);
    expect(problems).toHaveLength(3);
    const [zero, typo, negative] = problems;
    expect(zero!.path).toBe('train.batchSize');
    expect(zero!.message).toBe('must be >= 1; found 0 (from sweep.grid["train.batchSize"][0]) [in cells batchSize-0_score-csi, batchSize-0_score-nrom]');
    expect(zero!.location).toEqual({ file: expect.stringContaining('invalid.yaml'), line: 18, column: 23 });
    expect(negative!.message).toContain('found -1 (from sweep.grid["train.batchSize"][2]) [in cells batchSize--1_score-csi, batchSize--1_score-nrom]');
    expect(negative!.location?.column).toBe(30);
    expect(typo!.path).toBe('eval.score');
    expect(typo!.message).toContain('unknown score "nrom"');
    expect(typo!.message).toContain('Did you mean "norm"?');
    expect(typo!.message).toContain('[in cells batchSize-0_score-nrom, batchSize-16_score-nrom, batchSize--1_score-nrom]');
    expect(typo!.location?.line).toBe(19);
  });

  it('names all cells for a problem that every cell has', async () => {
    const file = writeSpec('all.yaml', `${BASE.replace('epochs: 1', 'epochs: 0')}sweep:\n  grid:\n    seed: [0, 1]\n`);
    const { problems } = await loadProblems(file);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('train.epochs');
    expect(problems[0]!.message).toMatch(/must be >= 1; found 0 \[in all 2 cells\]$/);
    expect(problems[0]!.location?.line).toBe(14);
  });

  it('reports a value that cannot be set as a problem of its cell', async () => {
    const file = writeSpec('unsettable.yaml', `${BASE}sweep:\n  grid:\n    train.epochs.count: [1]\n`);
    const { problems } = await loadProblems(file);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('sweep.grid["train.epochs.count"][0]: cannot set key "count" because train.epochs is the value 1, not a map');
    expect(problems[0]!.message).toContain('[in cell count-1]');
    expect(problems[0]!.location?.line).toBe(18);
  });

  it('reports problems of the sweep block with their place', async () => {
    const file = writeSpec(
      'block.yaml',
      `${BASE}sweep:
  gird:
    seed: [0]
  zip:
    - labels: [a, -b]
      values:
        seed: []
`,
    );
    const { problems } = await loadProblems(file);
    expect(problems.map((problem) => problem.path)).toEqual(['sweep.gird', 'sweep.zip[0].labels[1]', 'sweep.zip[0].values.seed']);
    expect(problems[0]!.message).toBe('unknown key "gird". Known keys: grid, zip, aggregateOver, shareTraining, scoringOnly. Did you mean "grid"?');
    expect(problems[0]!.location).toEqual({ file: expect.stringContaining('block.yaml'), line: 17, column: 3 });
    expect(problems[1]!.message).toContain('must match the pattern');
    expect(problems[2]!.message).toBe('must have at least 1 item; found []');
  });

  it('reports rules that span keys before loading cells', async () => {
    const file = writeSpec('lengths.yaml', `${BASE}sweep:\n  zip:\n    - values:\n        seed: [0, 1]\n        train.epochs: [1]\n`);
    const { problems } = await loadProblems(file);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('sweep.zip[0].values["train.epochs"]');
    expect(problems[0]!.location?.line).toBe(20);
  });

  it('rejects a spec without a sweep block', async () => {
    const file = writeSpec('plain.yaml', BASE);
    const error = await loadSweep(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('plain.yaml has no sweep block');
    expect((error as Error).message).toContain('csi run');
  });
});

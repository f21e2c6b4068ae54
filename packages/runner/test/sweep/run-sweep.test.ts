import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger, DataError, RunError, UsageError } from '@csi/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentRequest, ExperimentResult } from '../../src/run/experiment.js';
import { loadSweep, type SweepPlan } from '../../src/sweep/load-sweep.js';
import { runSweep, type SweepEvent } from '../../src/sweep/run-sweep.js';

const work = mkdtempSync(join(tmpdir(), 'csi-run-sweep-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SPEC = `name: fake-sweep
data:
  dataset:
    name: idx-folder
    options:
      root: ${join(work, 'data')}
      classNames: [a, b, c]
train:
  epochs: 1
sweep:
  grid:
    protocol.options.normalClasses: [[0], [1]]
    eval.score: [con-si, csi]
`;

/**
 * Stands in for runExperiment: writes what a finished run leaves (spec.yaml, metrics.json, and a
 * checkpoint when it trained) and records each request. The AUROC encodes the cell, so a test
 * can tell which cell produced which row.
 */
class FakeRunner {
  readonly requests: ExperimentRequest[] = [];
  failOn = new Map<string, Error>();

  run = async (request: ExperimentRequest): Promise<ExperimentResult> => {
    this.requests.push(request);
    const id = request.outDir!.split('/').at(-1)!;
    const failure = this.failOn.get(id);
    if (failure) throw failure;
    const auroc = 0.5 + 0.1 * this.requests.length;
    writeFileSync(join(request.outDir!, 'spec.yaml'), request.resolvedSpecYaml);
    if (!request.checkpointDir) writeFileSync(join(request.outDir!, 'checkpoint.bin'), 'weights');
    writeFileSync(join(request.outDir!, 'metrics.json'), JSON.stringify({ metrics: { auroc }, seconds: 1 }));
    return { runDir: request.outDir!, metrics: { auroc } };
  };

  ids(): string[] {
    return this.requests.map((request) => request.outDir!.split('/').at(-1)!);
  }
}

let plan: SweepPlan;
let outDir: string;
let runner: FakeRunner;
let events: SweepEvent[];

async function sweep(options: { shareTraining?: boolean } = {}) {
  const current: SweepPlan = { ...plan, settings: { ...plan.settings, shareTraining: options.shareTraining ?? true } };
  return runSweep({
    plan: current,
    outDir,
    logger: createSilentLogger(),
    createCellLogger: () => createSilentLogger(),
    onEvent: (event) => events.push(event),
    runCell: runner.run,
  });
}

function readResults(): { cells: { id: string; status: string; metrics: Record<string, number> | null; trainedIn: string | null; error: string | null }[] } {
  return JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
}

const IDS = ['normalClasses-0_score-con-si', 'normalClasses-0_score-csi', 'normalClasses-1_score-con-si', 'normalClasses-1_score-csi'];

beforeAll(async () => {
  const specFile = join(work, 'sweep.yaml');
  writeFileSync(specFile, SPEC);
  plan = await loadSweep(specFile);
});

beforeEach(() => {
  outDir = mkdtempSync(join(work, 'out-'));
  runner = new FakeRunner();
  events = [];
});

describe('runSweep', () => {
  it('runs every cell in its own folder', async () => {
    const result = await sweep({ shareTraining: false });
    expect(runner.ids()).toEqual(IDS);
    expect(runner.requests.map((request) => request.outDir)).toEqual(IDS.map((id) => join(outDir, 'cells', id)));
    expect(result.report.cells.map((cell) => cell.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(readResults().cells.map((cell) => cell.metrics?.auroc)).toEqual([0.6, 0.7, 0.8, 0.9].map((value) => expect.closeTo(value, 12)));
  });

  it('passes each cell its own spec', async () => {
    await sweep({ shareTraining: false });
    expect(runner.requests.map((request) => [request.spec.protocol.options.normalClasses, request.spec.eval.score.name])).toEqual([
      [[0], 'con-si'],
      [[0], 'csi'],
      [[1], 'con-si'],
      [[1], 'csi'],
    ]);
    expect(runner.requests[0]!.resolvedSpecYaml).toBe(plan.cells[0]!.resolvedSpecYaml);
  });

  it('skips cells that finished earlier', async () => {
    await sweep({ shareTraining: false });
    const second = new FakeRunner();
    runner = second;
    events = [];
    await sweep({ shareTraining: false });
    expect(second.requests).toHaveLength(0);
    expect(events.map((event) => event.type)).toEqual(['cell-skipped', 'cell-skipped', 'cell-skipped', 'cell-skipped']);
    expect(readResults().cells.map((cell) => cell.status)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('resumes a cell whose folder holds a checkpoint', async () => {
    const interrupted = join(outDir, 'cells', IDS[1]!);
    mkdirSync(interrupted, { recursive: true });
    writeFileSync(join(interrupted, 'checkpoint.bin'), 'epoch 1');
    await sweep({ shareTraining: false });
    expect(runner.requests.map((request) => request.resume)).toEqual([false, true, false, false]);
  });

  it('scores the model of a cell that differs only in eval', async () => {
    await sweep();
    expect(runner.requests.map((request) => request.checkpointDir)).toEqual([
      undefined,
      join(outDir, 'cells', IDS[0]!),
      undefined,
      join(outDir, 'cells', IDS[2]!),
    ]);
    expect(runner.requests[1]!.resume).toBe(false);
    expect(readResults().cells.map((cell) => cell.trainedIn)).toEqual([null, IDS[0], null, IDS[2]]);
    const cellFile = JSON.parse(readFileSync(join(outDir, 'cells', IDS[1]!, 'cell.json'), 'utf8'));
    expect(cellFile).toEqual({ id: IDS[1], values: { 'protocol.options.normalClasses': [0], 'eval.score': 'csi' }, trainedIn: IDS[0] });
  });

  it('resumes its own checkpoint rather than score a shared model', async () => {
    const interrupted = join(outDir, 'cells', IDS[1]!);
    mkdirSync(interrupted, { recursive: true });
    writeFileSync(join(interrupted, 'checkpoint.bin'), 'epoch 1');
    await sweep();
    expect(runner.requests[1]!.resume).toBe(true);
    expect(runner.requests[1]!.checkpointDir).toBeUndefined();
    expect(readResults().cells[1]!.trainedIn).toBeNull();
  });

  it('keeps trainedIn of cells finished earlier', async () => {
    await sweep();
    runner = new FakeRunner();
    const { report } = await sweep();
    expect(report.cells.map((cell) => cell.trainedIn)).toEqual([undefined, IDS[0], undefined, IDS[2]]);
  });

  it('trains a cell itself when the cell it would share failed', async () => {
    runner.failOn.set(IDS[0]!, new DataError('the data files are missing'));
    await sweep();
    expect(runner.requests[1]!.checkpointDir).toBeUndefined();
  });

  it('records a failed cell and goes on', async () => {
    runner.failOn.set(IDS[1]!, new RunError('loss is NaN at epoch 1'));
    const { report } = await sweep({ shareTraining: false });
    expect(runner.ids()).toEqual(IDS);
    expect(report.cells.map((cell) => cell.status)).toEqual(['done', 'failed', 'done', 'done']);
    expect(readResults().cells[1]).toMatchObject({ status: 'failed', error: 'loss is NaN at epoch 1', metrics: null });
    const failed = events.find((event) => event.type === 'cell-failed');
    expect(failed?.cell.id).toBe(IDS[1]);
  });

  it('runs a failed cell again on the next sweep', async () => {
    runner.failOn.set(IDS[1]!, new RunError('loss is NaN at epoch 1'));
    await sweep({ shareTraining: false });
    runner = new FakeRunner();
    const { report } = await sweep({ shareTraining: false });
    expect(runner.ids()).toEqual([IDS[1]]);
    expect(report.cells[1]!.status).toBe('done');
    expect(report.cells[1]!.error).toBeUndefined();
  });

  it('stops at an error that is not a CsiError, after writing the results', async () => {
    runner.failOn.set(IDS[1]!, new TypeError('x is undefined'));
    await expect(sweep({ shareTraining: false })).rejects.toThrow(TypeError);
    expect(runner.ids()).toEqual(IDS.slice(0, 2));
    expect(readResults().cells.map((cell) => cell.status)).toEqual(['done', 'pending', 'pending', 'pending']);
  });

  it('writes the results after each cell', async () => {
    const seen: string[][] = [];
    const inner = runner.run;
    runner.run = async (request) => {
      seen.push(readResults().cells.map((cell) => cell.status));
      return inner(request);
    };
    await sweep({ shareTraining: false });
    expect(seen).toEqual([
      ['pending', 'pending', 'pending', 'pending'],
      ['done', 'pending', 'pending', 'pending'],
      ['done', 'done', 'pending', 'pending'],
      ['done', 'done', 'done', 'pending'],
    ]);
  });

  it('reports progress with positions', async () => {
    await sweep({ shareTraining: false });
    const started = events.filter((event) => event.type === 'cell-started');
    expect(started.map((event) => [event.position, event.total, event.cell.id])).toEqual(IDS.map((id, i) => [i + 1, 4, id]));
    expect(events.filter((event) => event.type === 'cell-finished')).toHaveLength(4);
  });

  it('rejects finished cells made with another spec before running anything', async () => {
    await sweep({ shareTraining: false });
    writeFileSync(join(outDir, 'cells', IDS[2]!, 'spec.yaml'), 'seed: 99\n');
    runner = new FakeRunner();
    const error = await sweep({ shareTraining: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`1 finished cell of this sweep ran with a different spec`);
    expect((error as Error).message).toContain(`cells/${IDS[2]}`);
    expect((error as Error).message).toContain('Delete those folders');
    expect(runner.requests).toHaveLength(0);
    expect(existsSync(join(outDir, 'cells', IDS[2]!, 'metrics.json'))).toBe(true);
  });
});

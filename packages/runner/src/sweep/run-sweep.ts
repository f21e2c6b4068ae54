import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CsiError, UsageError, closeLogger, type Logger } from '@csi/core';
import { writeFileAtomic } from '../run/atomic-write.js';
import { TIMING_FILE } from '../run/results.js';
import { CHECKPOINT_FILE } from '../run/checkpoint.js';
import { runExperiment, type ExperimentRequest, type ExperimentResult } from '../run/experiment.js';
import { displayPath } from '../spec/source-tree.js';
import type { PlannedCell, SweepPlan } from './load-sweep.js';
import { buildSweepReport, type CellRecord, type SweepReport } from './report.js';
import { writeSweepResults } from './results-files.js';

/** Progress event of one cell: skipped, started, finished or failed. */
export type SweepEvent =
  | { type: 'cell-skipped'; cell: PlannedCell; position: number; total: number }
  | { type: 'cell-started'; cell: PlannedCell; position: number; total: number; trainedIn?: string }
  | { type: 'cell-finished'; cell: PlannedCell; position: number; total: number; metrics: Record<string, number>; seconds: number }
  | { type: 'cell-failed'; cell: PlannedCell; position: number; total: number; error: Error };

export interface SweepRequest {
  plan: SweepPlan;
  /** Sweep folder: cells go to `<outDir>/cells/<cell id>/`, results beside them. */
  outDir: string;
  /** Logger of the sweep as a whole: one record per cell boundary. */
  logger: Logger;
  /** Creates the logger of one cell, given its run folder. */
  createCellLogger: (cellDir: string) => Logger;
  /** Called for each cell as it is skipped, started, finished or failed. */
  onEvent?: (event: SweepEvent) => void;
  /** Runs one cell; `runExperiment` unless a test replaces it. */
  runCell?: (request: ExperimentRequest) => Promise<ExperimentResult>;
  /** Stream for the cells' progress bars; stderr by default. */
  progressStream?: NodeJS.WriteStream;
}

export interface SweepResult {
  outDir: string;
  report: SweepReport;
  /** Paths of the results files. */
  files: string[];
}

/** Name of the file in a cell's folder that records its values and where its model came from. */
export const CELL_FILE = 'cell.json';

/**
 * Runs every cell of a sweep that has not finished, in order, each in its own run folder under
 * `<outDir>/cells/<cell id>/`. A folder that already contains metrics.json is a finished cell and is
 * skipped. Any other cell resumes from the checkpoint in its folder, if there is one. Otherwise,
 * with `shareTraining`, a cell whose spec differs from a finished cell's only under `eval`
 * scores that cell's checkpoint instead of training.
 *
 * The results files are rewritten before the first cell and after each cell. A cell that fails
 * with a CsiError is recorded as failed and the sweep goes on; any other error stops the sweep
 * after the results are written. Throws UsageError, before anything runs, when a finished cell's
 * spec.yaml differs from the cell's spec now, because its metrics would then describe another
 * experiment.
 */
export async function runSweep(request: SweepRequest): Promise<SweepResult> {
  const { plan, logger } = request;
  const outDir = resolve(request.outDir);
  const runCell = request.runCell ?? runExperiment;
  mkdirSync(join(outDir, 'cells'), { recursive: true });
  const cellDir = (cell: PlannedCell) => join(outDir, 'cells', cell.id);
  assertFinishedCellsMatch(plan, cellDir);

  const records = plan.cells.map((cell) => readCellRecord(cell, cellDir(cell)));
  const total = plan.cells.length;
  let files = writeResults(request, outDir, records);
  logger.info({ outDir, cells: total, finished: records.filter((record) => record.status === 'done').length }, 'sweep started');

  for (const [i, cell] of plan.cells.entries()) {
    const position = i + 1;
    const record = records[i]!;
    if (record.status === 'done') {
      request.onEvent?.({ type: 'cell-skipped', cell, position, total });
      continue;
    }

    const dir = cellDir(cell);
    // A cell interrupted while training continues its own run, even when another cell has since
    // trained the same model, because the folder of a scoring-only run must not contain a checkpoint.
    const resume = existsSync(join(dir, CHECKPOINT_FILE));
    const provider = plan.settings.shareTraining && !resume ? findTrainedCell(plan, records, cell, cellDir) : undefined;
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, CELL_FILE), `${JSON.stringify({ id: cell.id, values: record.values, trainedIn: provider?.id ?? null }, null, 2)}\n`);
    request.onEvent?.({ type: 'cell-started', cell, position, total, ...(provider ? { trainedIn: provider.id } : {}) });
    logger.info({ cell: cell.id, position, total, values: record.values, trainedIn: provider?.id }, 'cell started');

    const started = Date.now();
    try {
      const cellLogger = request.createCellLogger(dir);
      const result = await runCell({
        spec: cell.spec,
        specFile: plan.specFile,
        resolvedSpecYaml: cell.resolvedSpecYaml,
        registry: cell.registry,
        outDir: dir,
        resume,
        ...(provider ? { checkpointDir: cellDir(provider) } : {}),
        logger: cellLogger,
        ...(request.progressStream ? { progressStream: request.progressStream } : {}),
      }).finally(() => closeLogger(cellLogger));
      const seconds = (Date.now() - started) / 1000;
      Object.assign(record, { status: 'done', metrics: result.metrics, seconds, ...(provider ? { trainedIn: provider.id } : {}) });
      delete record.error;
      logger.info({ cell: cell.id, ...result.metrics, seconds }, 'cell finished');
      request.onEvent?.({ type: 'cell-finished', cell, position, total, metrics: result.metrics, seconds });
    } catch (error) {
      if (!(error instanceof CsiError)) {
        files = writeResults(request, outDir, records);
        throw error;
      }
      Object.assign(record, { status: 'failed', error: error.message, seconds: (Date.now() - started) / 1000 });
      logger.error({ cell: cell.id, error: error.message }, 'cell failed');
      request.onEvent?.({ type: 'cell-failed', cell, position, total, error });
    }
    files = writeResults(request, outDir, records);
  }

  const report = makeReport(request, outDir, records);
  logger.info({ outDir, failed: records.filter((record) => record.status === 'failed').length }, 'sweep finished');
  return { outDir, report, files };
}

/**
 * Finds a finished cell with the same training key whose folder contains a checkpoint. Its model
 * is the one this cell would train, because training depends only on the spec outside `eval`
 * (and the `scoringOnly` paths).
 */
function findTrainedCell(
  plan: SweepPlan,
  records: readonly CellRecord[],
  cell: PlannedCell,
  cellDir: (cell: PlannedCell) => string,
): PlannedCell | undefined {
  return plan.cells.find(
    (other, i) =>
      other !== cell &&
      other.trainingKey === cell.trainingKey &&
      records[i]!.status === 'done' &&
      existsSync(join(cellDir(other), CHECKPOINT_FILE)),
  );
}

/**
 * Checks the cells already finished in `outDir` against the plan, as `runSweep` does before it
 * starts, and returns the ids of those it would skip. Throws UsageError for a finished cell that
 * ran with another spec. Writes nothing, so `csi sweep --dry-run` can use it.
 */
export function checkFinishedCells(plan: SweepPlan, outDir: string): Set<string> {
  const cellDir = (cell: PlannedCell) => join(resolve(outDir), 'cells', cell.id);
  assertFinishedCellsMatch(plan, cellDir);
  return new Set(plan.cells.filter((cell) => existsSync(join(cellDir(cell), 'metrics.json'))).map((cell) => cell.id));
}

function assertFinishedCellsMatch(plan: SweepPlan, cellDir: (cell: PlannedCell) => string): void {
  const stale = plan.cells.filter((cell) => {
    const dir = cellDir(cell);
    if (!existsSync(join(dir, 'metrics.json'))) return false;
    const specFile = join(dir, 'spec.yaml');
    return !existsSync(specFile) || readFileSync(specFile, 'utf8') !== cell.resolvedSpecYaml;
  });
  if (stale.length === 0) return;
  const folders = stale.map((cell) => displayPath(cellDir(cell)));
  throw new UsageError(
    `${stale.length} finished cell${stale.length === 1 ? '' : 's'} of this sweep ran with a different spec ` +
      `(their spec.yaml differs from the cell's spec now, after extends and --set): ${folders.join(', ')}. ` +
      'Delete those folders to run the cells again, or pass another --out for a new sweep.',
  );
}

/** Reads the record of a cell from its folder: finished when metrics.json is there, pending otherwise. */
function readCellRecord(cell: PlannedCell, dir: string): CellRecord {
  const record: CellRecord = {
    id: cell.id,
    index: cell.index,
    columnValues: cell.columnValues,
    values: Object.fromEntries(cell.assignments.map((assignment) => [assignment.path, assignment.value])),
    status: 'pending',
  };
  const metricsFile = join(dir, 'metrics.json');
  if (!existsSync(metricsFile)) return record;

  const finished = JSON.parse(readFileSync(metricsFile, 'utf8')) as { metrics: Record<string, number> };
  record.status = 'done';
  record.metrics = finished.metrics;
  const timingFile = join(dir, TIMING_FILE);
  if (existsSync(timingFile)) {
    const { seconds } = JSON.parse(readFileSync(timingFile, 'utf8')) as { seconds?: number };
    if (typeof seconds === 'number') record.seconds = seconds;
  }
  const cellFile = join(dir, CELL_FILE);
  if (existsSync(cellFile)) {
    const { trainedIn } = JSON.parse(readFileSync(cellFile, 'utf8')) as { trainedIn?: string | null };
    if (typeof trainedIn === 'string') record.trainedIn = trainedIn;
  }
  return record;
}

function makeReport(request: SweepRequest, outDir: string, records: readonly CellRecord[]): SweepReport {
  const { plan } = request;
  return buildSweepReport({
    name: plan.cells[0]?.spec.name ?? '',
    specFile: displayPath(resolve(plan.specFile)),
    outDir: displayPath(outDir),
    updated: new Date().toISOString(),
    columns: plan.columns,
    aggregateOver: plan.settings.aggregateOver,
    cells: records.map((record) => ({ ...record })),
  });
}

function writeResults(request: SweepRequest, outDir: string, records: readonly CellRecord[]): string[] {
  return writeSweepResults(outDir, makeReport(request, outDir, records));
}

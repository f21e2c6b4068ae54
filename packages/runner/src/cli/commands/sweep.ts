import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { BACKEND_CHOICES, createLogger, RunError } from '@csi/core';
import { parseSetArgument, type SpecOverride } from '../../spec/overrides.js';
import { displayPath } from '../../spec/source-tree.js';
import { loadSweep, type SweepPlan } from '../../sweep/load-sweep.js';
import { formatAggregateText, formatValue } from '../../sweep/report.js';
import { checkFinishedCells, runSweep, type SweepEvent } from '../../sweep/run-sweep.js';
import type { CliIo } from '../main.js';
import { collectValues, SET_OPTION_HELP } from '../options.js';

interface SweepOptions {
  set?: string[];
  out?: string;
  backend?: string;
  dryRun?: boolean;
}

export function addSweepCommand(program: Command, io: CliIo): void {
  program
    .command('sweep')
    .description("run every cell of a spec's sweep block, skipping finished cells, then print the aggregate table")
    .argument('<spec>', 'spec file (YAML) with a sweep block')
    .option('--set <path=value>', `${SET_OPTION_HELP}; applied before each cell's values`, collectValues)
    .option('--out <dir>', 'sweep folder; run the same command again to resume it (default: <outputDir>/<name>/sweep)')
    .addOption(new Option('--backend <name>', "tensor backend; overrides the spec's backend").choices(BACKEND_CHOICES))
    .option('--dry-run', 'validate every cell and list the cells without running them')
    .action((specFile: string, options: SweepOptions) => executeSweep(specFile, options, io));
}

async function executeSweep(specFile: string, options: SweepOptions, io: CliIo): Promise<void> {
  const overrides: SpecOverride[] = (options.set ?? []).map(parseSetArgument);
  if (options.backend !== undefined) {
    overrides.push({ path: ['backend'], valueText: options.backend, argument: `--backend ${options.backend}` });
  }
  const plan = await loadSweep(specFile, { overrides });
  const first = plan.cells[0]!.spec;
  const outDir = resolve(options.out ?? join(first.outputDir, first.name, 'sweep'));
  if (options.dryRun) {
    // A finished cell that ran with another spec would stop the real run, so report it here too.
    const finished = checkFinishedCells(plan, outDir);
    const note = finished.size > 0 ? `; ${finished.size} finished in ${displayPath(outDir)} and would be skipped` : '';
    io.stdout.write(`${specFile}: ${plan.cells.length} cells, all valid${note}\n${formatCellList(plan, finished)}\n`);
    return;
  }

  const logger = createLogger({ file: join(outDir, 'log.jsonl'), console: true });
  const result = await runSweep({
    plan,
    outDir,
    logger,
    createCellLogger: (cellDir) => createLogger({ file: join(cellDir, 'log.jsonl'), console: true }),
    onEvent: (event) => io.stderr.write(`${describeEvent(event)}\n`),
  });

  const resultsFile = displayPath(join(result.outDir, 'results.md'));
  io.stdout.write(`${formatAggregateText(result.report)}\nresults: ${resultsFile}\n`);
  const failed = result.report.cells.filter((cell) => cell.status === 'failed');
  if (failed.length > 0) {
    throw new RunError(
      `${failed.length} of ${plan.cells.length} cells failed: ${failed.map((cell) => `${cell.id} (${cell.error ?? 'unknown error'})`).join('; ')}. ` +
        `Fix the cause and run the same command again: finished cells are skipped. Details in ${resultsFile}.`,
    );
  }
}

/** Lists the cells, one line each: position, id and the values it sets. */
function formatCellList(plan: SweepPlan, finished: ReadonlySet<string>): string {
  return plan.cells
    .map((cell) => `${cell.index + 1}. ${cell.id}: ${describeValues(cell.assignments)}${finished.has(cell.id) ? ' (finished)' : ''}`)
    .join('\n');
}

function describeValues(assignments: readonly { path: string; value: unknown }[]): string {
  return assignments.map((assignment) => `${assignment.path}=${formatValue(assignment.value)}`).join(', ');
}

function describeEvent(event: SweepEvent): string {
  const head = `cell ${event.position}/${event.total} ${event.cell.id}`;
  switch (event.type) {
    case 'cell-skipped':
      return `${head}: finished earlier, skipped`;
    case 'cell-started': {
      const model = event.trainedIn === undefined ? '' : ` (scoring the model trained in ${event.trainedIn})`;
      return `${head}: ${describeValues(event.cell.assignments)}${model}`;
    }
    case 'cell-finished':
      return `${head}: finished in ${event.seconds.toFixed(0)} s, ${Object.entries(event.metrics)
        .map(([name, value]) => `${name} ${value.toFixed(4)}`)
        .join(', ')}`;
    case 'cell-failed':
      return `${head}: failed: ${event.error.message}`;
  }
}

import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { BACKEND_CHOICES, closeLogger, createLogger, UsageError } from '@csi/core';
import { runExperiment } from '../../run/experiment.js';
import { chooseRunFolderMode, prepareRunFolder } from '../../run/run-folder.js';
import { loadSpec } from '../../spec/load.js';
import { parseSetArgument, type SpecOverride } from '../../spec/overrides.js';
import { displayPath } from '../../spec/source-tree.js';
import type { CliIo } from '../main.js';
import { formatMetricsTable } from '../metrics-table.js';
import { collectValues, SET_OPTION_HELP } from '../options.js';

interface ExperimentOptions {
  set?: string[];
  out?: string;
  backend?: string;
  resume?: boolean;
  checkpoint?: string;
}

export function addRunCommands(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('train and evaluate the experiment a spec describes, then print its metrics')
    .argument('<spec>', 'spec file (YAML)')
    .option('--set <path=value>', SET_OPTION_HELP, collectValues)
    .option('--out <dir>', 'run folder to write (default: <outputDir>/<name>/<timestamp>)')
    .option('--resume', 'continue from the last complete checkpoint in the --out folder (from epoch 1 when it has none)')
    .addOption(backendOption())
    .action((specFile: string, options: ExperimentOptions) => executeExperiment(specFile, options, io));

  program
    .command('eval')
    .description('score a trained model from its checkpoint, without training, and print its metrics')
    .argument('<spec>', 'spec file (YAML) the model was trained with')
    .requiredOption('--checkpoint <dir>', 'run folder that holds the checkpoint to score')
    .option('--set <path=value>', SET_OPTION_HELP, collectValues)
    .option('--out <dir>', 'run folder to write (default: <outputDir>/<name>/<timestamp>)')
    .addOption(backendOption())
    .action((specFile: string, options: ExperimentOptions) => executeExperiment(specFile, options, io));
}

function backendOption(): Option {
  return new Option('--backend <name>', "tensor backend; overrides the spec's backend").choices(BACKEND_CHOICES);
}

async function executeExperiment(specFile: string, options: ExperimentOptions, io: CliIo): Promise<void> {
  if (options.resume && options.out === undefined) {
    throw new UsageError('--resume continues an earlier run, so it needs that run folder: add --out DIR');
  }
  const overrides: SpecOverride[] = (options.set ?? []).map(parseSetArgument);
  if (options.backend !== undefined) {
    overrides.push({ path: ['backend'], valueText: options.backend, argument: `--backend ${options.backend}` });
  }
  const loaded = await loadSpec(specFile, { overrides });

  // The run folder is chosen and checked here, not only in runExperiment, so that the log file
  // can live in it and an unusable folder is reported before the log file is opened.
  const runDir = resolve(options.out ?? join(loaded.spec.outputDir, loaded.spec.name, timestamp()));
  prepareRunFolder(runDir, chooseRunFolderMode({ checkpointDir: options.checkpoint, resume: options.resume }));
  const logger = createLogger({ file: join(runDir, 'log.jsonl'), console: true });
  let result: Awaited<ReturnType<typeof runExperiment>>;
  try {
    result = await runExperiment({
      spec: loaded.spec,
      specFile,
      resolvedSpecYaml: loaded.resolvedSpecYaml,
      registry: loaded.registry,
      outDir: runDir,
      resume: options.resume ?? false,
      ...(options.checkpoint === undefined ? {} : { checkpointDir: resolve(options.checkpoint) }),
      logger,
    });
  } catch (error) {
    // A rejected folder (another run, a resume with another spec) belongs to an earlier run, whose
    // log stays as it was. Info level keeps the record off the console, which prints the error once.
    if (!(error instanceof UsageError)) logger.info({ error: (error as Error).message }, 'run failed');
    throw error;
  } finally {
    await closeLogger(logger);
  }
  io.stdout.write(`${formatMetricsTable(result.metrics)}\nrun folder: ${displayPath(result.runDir)}\n`);
}

/** `2025-01-31T12-00-00`: UTC, second resolution, without characters that some file systems reject. */
function timestamp(): string {
  return new Date().toISOString().replace(/:/g, '-').replace(/\..+$/, '');
}

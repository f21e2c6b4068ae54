import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunError, UsageError } from '@csi/core';
import { isPartialFile } from './atomic-write.js';
import { CHECKPOINT_FILE } from './checkpoint.js';

/** File whose presence marks a finished run; `writeRunResults` writes it last. */
export const METRICS_FILE = 'metrics.json';

/**
 * Kind of work a command does in the run folder: training from scratch, continued training
 * (`--resume`), or scoring a saved model (`csi eval`).
 */
export type RunFolderMode = 'train' | 'resume' | 'eval';

/** Returns the folder mode of `csi eval` (a checkpoint to score), `csi run --resume` or `csi run`. */
export function chooseRunFolderMode(options: { checkpointDir?: string | undefined; resume?: boolean | undefined }): RunFolderMode {
  if (options.checkpointDir !== undefined) return 'eval';
  if (options.resume) return 'resume';
  return 'train';
}

/**
 * Creates the run folder and checks that it can be written, before any work starts. A new run
 * or an evaluation is rejected in a folder that already contains a checkpoint or results, so an
 * earlier run is never overwritten by accident. Temporary files of writes that a killed process
 * left behind are deleted; they are never read. Returns their names.
 *
 * Throws a RunError when the folder cannot be created or written, and a UsageError when it
 * contains a run that this mode would overwrite.
 */
export function prepareRunFolder(runDir: string, mode: RunFolderMode): string[] {
  try {
    mkdirSync(runDir, { recursive: true });
    accessSync(runDir, constants.W_OK);
  } catch (error) {
    throw new RunError(
      `cannot write the run folder ${runDir}: ${(error as Error).message}. ` +
        'Pass a writable folder with --out DIR or set outputDir in the spec.',
      { cause: error },
    );
  }

  const hasCheckpoint = existsSync(join(runDir, CHECKPOINT_FILE));
  const hasMetrics = existsSync(join(runDir, METRICS_FILE));
  if (mode !== 'resume' && (hasCheckpoint || hasMetrics)) {
    const found = [hasCheckpoint ? CHECKPOINT_FILE : '', hasMetrics ? METRICS_FILE : ''].filter(Boolean).join(' and ');
    const resumeHint = mode === 'train' ? 'Continue that run with --resume, or pass' : 'Pass';
    throw new UsageError(
      `the run folder ${runDir} already contains a run (${found}), which this command would overwrite. ` +
        `${resumeHint} another --out folder, or delete this one to start over.`,
    );
  }
  if (mode === 'resume' && hasMetrics && !hasCheckpoint) {
    throw new UsageError(
      `cannot resume in ${runDir}: it contains results (${METRICS_FILE}) but no ${CHECKPOINT_FILE} to continue from. ` +
        'Pass the folder of a training run to --out, or start a new run without --resume in another folder.',
    );
  }

  const stale = readdirSync(runDir).filter(isPartialFile);
  for (const name of stale) rmSync(join(runDir, name), { force: true });
  return stale;
}

// `csi run --resume` after a SIGKILL, and the rules that keep an earlier run from being
// overwritten. Runs the built binary; needs `pnpm build` first.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/run/checkpoint.js';
import {
  alternatingLabels,
  assertBuilt,
  cliFile,
  csi,
  hashFolder,
  metricsWithoutTimes,
  STACK_LINE,
  tinySpecYaml,
  writeIdxData,
} from './run-fixture.js';

const EPOCHS = 4;
// 32 normal training images in batches of 8: 4 steps per epoch.
const BATCH_SIZE = 8;
const STEPS_PER_EPOCH = 4;
const work = mkdtempSync(join(tmpdir(), 'csi-resume-'));
const fullDir = join(work, 'full');

beforeAll(async () => {
  assertBuilt();
  writeIdxData(join(work, 'data'), { train: alternatingLabels(64), test: alternatingLabels(40) });
  writeFileSync(
    join(work, 'spec.yaml'),
    tinySpecYaml({ dataRoot: join(work, 'data'), classNames: ['bar', 'squares'], epochs: EPOCHS, batchSize: BATCH_SIZE }),
  );
  const full = await csi(work, 'run', 'spec.yaml', '--out', fullDir);
  if (full.code !== 0) throw new Error(`the uninterrupted run failed:\n${full.stderr}`);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Starts `csi run` and kills it with SIGKILL as soon as a checkpoint exists and the progress
 * output shows a step of epoch 2. Resolves with the signal that ended the process.
 */
function runAndKillInEpochTwo(runDir: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliFile, 'run', 'spec.yaml', '--out', runDir], { cwd: work });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const inEpochTwo = new RegExp(`^epoch 2/${EPOCHS}: \\d+/\\d+ images`, 'm').test(stderr);
      if (!killed && inEpochTwo && existsSync(join(runDir, 'checkpoint.bin'))) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolvePromise({ signal, stderr }));
  });
}

describe('csi run --resume', () => {
  it('continues a killed run to the uninterrupted results', async () => {
    const runDir = join(work, 'killed');
    const { signal, stderr } = await runAndKillInEpochTwo(runDir);
    expect(signal, stderr).toBe('SIGKILL');
    expect(existsSync(join(runDir, 'metrics.json'))).toBe(false);
    const checkpoint = loadCheckpoint(runDir);
    // The kill lands in epoch 2, or in a later epoch if this process was slow to read the
    // progress line. Either way, training stopped after a checkpoint and before the end.
    expect(checkpoint?.epoch).toBeGreaterThanOrEqual(1);
    expect(checkpoint?.epoch).toBeLessThan(EPOCHS);
    // What a kill inside writeFileAtomic leaves behind: a temporary file that must never be read.
    writeFileSync(join(runDir, '.checkpoint.bin.0badc0de.partial'), 'not a checkpoint');

    const resumed = await csi(work, 'run', 'spec.yaml', '--out', runDir, '--resume');
    expect(resumed.stderr).not.toMatch(STACK_LINE);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toContain('starting from epoch 1');
    const log = readFileSync(join(runDir, 'log.jsonl'), 'utf8');
    expect(log).toContain(`"epoch":${checkpoint?.epoch},"step":${(checkpoint?.epoch ?? 0) * STEPS_PER_EPOCH},"msg":"resuming from checkpoint"`);
    expect(readdirSync(runDir).filter((name) => name.endsWith('.partial'))).toEqual([]);

    expect(metricsWithoutTimes(runDir)).toEqual(metricsWithoutTimes(fullDir));
    expect(readFileSync(join(runDir, 'scores.csv'), 'utf8')).toBe(readFileSync(join(fullDir, 'scores.csv'), 'utf8'));
    expect(loadCheckpoint(runDir)?.weights).toEqual(loadCheckpoint(fullDir)?.weights);
  });

  it('starts from epoch 1 in a folder without a checkpoint', async () => {
    const runDir = join(work, 'fresh');
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir, '--resume');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`no checkpoint.bin in ${runDir}; starting from epoch 1`);
    expect(metricsWithoutTimes(runDir)).toEqual(metricsWithoutTimes(fullDir));
  });

  it('rescores a run killed while writing its results', async () => {
    // A kill between scores.csv and metrics.json: the folder has a final checkpoint but no metrics.json.
    const runDir = join(work, 'late-kill');
    mkdirSync(runDir);
    for (const name of ['checkpoint.bin', 'spec.yaml', 'scores.csv']) copyFileSync(join(fullDir, name), join(runDir, name));
    writeFileSync(join(runDir, '.metrics.json.12ab34cd.partial'), '{"metrics": {"au');
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir, '--resume');
    expect(result.code, result.stderr).toBe(0);
    expect(metricsWithoutTimes(runDir)).toEqual(metricsWithoutTimes(fullDir));
    expect(existsSync(join(runDir, '.metrics.json.12ab34cd.partial'))).toBe(false);
  });

  it('rejects a resume with another spec', async () => {
    const before = hashFolder(fullDir);
    const result = await csi(work, 'run', 'spec.yaml', '--out', fullDir, '--resume', '--set', 'train.epochs=5', '--set', 'seed=6');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: cannot resume ${fullDir}: its checkpoint.bin (epoch ${EPOCHS}) was made with a different resolved spec`);
    expect(result.stderr).toContain('seed: 5 in the checkpoint, 6 now');
    expect(result.stderr).toContain(`train.epochs: ${EPOCHS} in the checkpoint, 5 now`);
    expect(result.stderr).toContain('Resume with the same spec, --set values and --backend');
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(hashFolder(fullDir)).toEqual(before);
  });

  it('rejects a new run in a finished folder', async () => {
    const before = hashFolder(fullDir);
    const result = await csi(work, 'run', 'spec.yaml', '--out', fullDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: the run folder ${fullDir} already contains a run (checkpoint.bin and metrics.json)`);
    expect(result.stderr).toContain('Continue that run with --resume, or pass another --out folder');
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(hashFolder(fullDir)).toEqual(before);
  });

  it('rejects csi eval into a run folder', async () => {
    const before = hashFolder(fullDir);
    const result = await csi(work, 'eval', 'spec.yaml', '--checkpoint', fullDir, '--out', fullDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: the run folder ${fullDir} already contains a run`);
    expect(hashFolder(fullDir)).toEqual(before);
  });
});

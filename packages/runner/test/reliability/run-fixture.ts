// Shared set-up of the reliability tests: a tiny generated IDX data set, specs for it, and runs
// of the built `csi` binary. The images are 16 × 16 and the network is 1/8 wide, so a run of a
// few epochs takes seconds.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { RandomSource } from '@csi/core';
import { encodeIdx } from '@csi/datasets';

const execFileAsync = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const cliFile = join(repoRoot, 'packages/runner/dist/cli.js');

/** Side of the generated square images, in pixels. */
export const IMAGE_SIDE = 16;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built binary to the end and returns its exit status and output. */
export async function csi(cwd: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cliFile, ...args], { cwd, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

export function assertBuilt(): void {
  if (!existsSync(cliFile)) throw new Error(`${cliFile} is missing; run pnpm build before these tests`);
}

/**
 * Writes train and test IDX files of IMAGE_SIDE × IMAGE_SIDE images with the given labels into
 * `folder`. Class 0 is a bright bar across the top; every other class is a few random squares.
 * Each image also has its own pixel noise. Returns the folder.
 */
export function writeIdxData(folder: string, labels: { train: number[]; test: number[] }, seed = 0): string {
  mkdirSync(folder, { recursive: true });
  const random = RandomSource.fromSeed(seed);
  const pixels = IMAGE_SIDE * IMAGE_SIDE;
  for (const [prefix, split] of [['train', labels.train], ['t10k', labels.test]] as const) {
    const images = new Uint8Array(split.length * pixels);
    split.forEach((label, i) => drawImage(images.subarray(i * pixels, (i + 1) * pixels), label, random));
    writeFileSync(join(folder, `${prefix}-images-idx3-ubyte`), encodeIdx('images', [split.length, IMAGE_SIDE, IMAGE_SIDE], images));
    writeFileSync(join(folder, `${prefix}-labels-idx1-ubyte`), encodeIdx('labels', [split.length], Uint8Array.from(split)));
  }
  return folder;
}

/** `count` labels cycling through 0 … classes − 1. */
export function alternatingLabels(count: number, classes = 2): number[] {
  return Array.from({ length: count }, (_, i) => i % classes);
}

function drawImage(image: Uint8Array, label: number, random: RandomSource): void {
  for (let p = 0; p < image.length; p++) image[p] = random.integer(0, 40);
  const fill = (top: number, left: number, size: number, width: number) => {
    for (let y = top; y < Math.min(IMAGE_SIDE, top + size); y++) {
      for (let x = left; x < Math.min(IMAGE_SIDE, left + width); x++) image[y * IMAGE_SIDE + x] = 220;
    }
  };
  if (label === 0) {
    fill(2 + random.integer(0, 2), 2, 3, 12);
  } else {
    for (let square = 0; square < 2; square++) fill(random.integer(0, 12), random.integer(0, 12), 4, 4);
  }
}

export interface TinySpecOptions {
  dataRoot: string;
  classNames: string[];
  epochs: number;
  batchSize: number;
  /** Extra top-level or nested keys, merged over the defaults one level deep. */
  train?: Record<string, unknown>;
  plugins?: string[];
}

/** Returns the YAML of a spec for the generated data: CSI with rotation, a 1/8-wide ResNet, P = 8. */
export function tinySpecYaml(options: TinySpecOptions): string {
  const spec = {
    name: 'reliability',
    seed: 5,
    backend: 'auto',
    plugins: options.plugins ?? [],
    data: {
      dataset: {
        name: 'idx-folder',
        options: { root: options.dataRoot, classNames: options.classNames, height: IMAGE_SIDE, width: IMAGE_SIDE },
      },
    },
    protocol: { name: 'one-class', options: { normalClasses: [0] } },
    model: {
      backbone: { name: 'resnet', options: { blocksPerStage: [1, 1, 1, 1], widthMultiplier: 0.125 } },
      projectionSize: 8,
    },
    train: {
      epochs: options.epochs,
      batchSize: options.batchSize,
      schedule: { warmupEpochs: 1, warmupMultiplier: 2 },
      ...options.train,
    },
    eval: { batchSize: 64 },
  };
  return stringify(spec);
}

export interface RunMetrics {
  seconds: number;
  metrics: Record<string, number>;
  history: Record<string, number>[];
  [key: string]: unknown;
}

export function readMetrics(runDir: string): RunMetrics {
  return JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')) as RunMetrics;
}

/** metrics.json without the fields that measure time, which differ between any two runs. */
export function metricsWithoutTimes(runDir: string): Omit<RunMetrics, 'seconds'> {
  const metrics: Partial<RunMetrics> = readMetrics(runDir);
  delete metrics.seconds;
  for (const record of metrics.history ?? []) delete record.imagesPerSecond;
  return metrics as Omit<RunMetrics, 'seconds'>;
}

/** SHA-256 of every file in `folder` by name, to show that a failed command changed nothing. */
export function hashFolder(folder: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isFile()) hashes[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return hashes;
}

/** Matches a line of a JavaScript stack trace, `    at f (file.js:1:2)`. */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

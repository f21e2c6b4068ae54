// The run folder's files under failure, in-process and without training: atomic replacement,
// damaged checkpoints, stale temporary files, the spec comparison of --resume, and the exact
// round trip of the optimiser state through a checkpoint file.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { RunError, UsageError } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarsOptimizer } from '../../src/optim/index.js';
import { writeFileAtomic } from '../../src/run/atomic-write.js';
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint, type Checkpoint, type StoredArray } from '../../src/run/checkpoint.js';
import { describeSpecDifferences, loadResumeCheckpoint, restoreOptimizerState } from '../../src/run/resume.js';
import { prepareRunFolder } from '../../src/run/run-folder.js';

const work = mkdtempSync(join(tmpdir(), 'csi-checkpoint-file-'));
let folderCount = 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function newFolder(): string {
  const folder = join(work, `case-${folderCount++}`);
  mkdirSync(folder);
  return folder;
}

function sampleCheckpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    epoch: 2,
    step: 10,
    randomState: [1, 2, 3, 4],
    specHash: 'abc',
    specYaml: 'seed: 1\n',
    backend: 'cpu',
    weights: new Map<string, StoredArray>([
      ['stem.kernel', { shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 0, 1e-30, -7]) }],
      ['head.bias', { shape: [1], values: Float32Array.from([0.25]) }],
    ]),
    optimizerState: new Map<string, StoredArray>([['momentumBuffer/stem.kernel', { shape: [2, 3], values: Float32Array.from([6, 5, 4, 3, 2, 1]) }]]),
    history: [{ epoch: 1, loss: 5.5 }, { epoch: 2, loss: 5.25 }],
    ...overrides,
  };
}

function expectRunError(action: () => unknown, ...parts: string[]): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(RunError);
  for (const part of parts) expect((caught as Error).message).toContain(part);
}

describe('checkpoint file', () => {
  it('round-trips every field exactly', () => {
    const folder = newFolder();
    saveCheckpoint(folder, sampleCheckpoint());
    expect(loadCheckpoint(folder)).toEqual(sampleCheckpoint());
  });

  it('returns undefined in a folder without one', () => {
    expect(loadCheckpoint(newFolder())).toBeUndefined();
  });

  it('keeps the previous checkpoint when a weight is NaN', () => {
    const folder = newFolder();
    saveCheckpoint(folder, sampleCheckpoint());
    const before = readFileSync(join(folder, CHECKPOINT_FILE));
    const diverged = sampleCheckpoint({ epoch: 3 });
    diverged.weights.get('stem.kernel')!.values[4] = Number.NaN;
    expectRunError(
      () => saveCheckpoint(folder, diverged),
      'training diverged: after epoch 3, weight "stem.kernel" contains NaN (at flat index 4)',
      `the previous one in ${folder} is kept`,
    );
    expect(readFileSync(join(folder, CHECKPOINT_FILE))).toEqual(before);
    expect(readdirSync(folder)).toEqual([CHECKPOINT_FILE]);
  });

  it('names an infinite optimiser state', () => {
    const state = new Map([['momentumBuffer/head.bias', { shape: [1], values: Float32Array.from([Number.POSITIVE_INFINITY]) }]]);
    expectRunError(() => saveCheckpoint(newFolder(), sampleCheckpoint({ optimizerState: state })), 'optimizer state "momentumBuffer/head.bias" contains Infinity');
  });

  describe('damaged files', () => {
    const cases: [string, (file: string) => void, string][] = [
      ['another format', (file) => writeFileSync(file, 'PK\x03\x04 a zip file'), 'it does not start with "CSICKPT1"'],
      ['an empty file', (file) => writeFileSync(file, ''), 'it does not start with "CSICKPT1"'],
      ['a cut header', (file) => truncateSync(file, 40), '(truncated)'],
      ['a cut payload', (file) => truncateSync(file, readFileSync(file).length - 6), 'ends past the end of the file (truncated)'],
      ['a header that is not JSON', (file) => writeFileSync(file, Buffer.concat([Buffer.from('CSICKPT1'), Buffer.from([3, 0, 0, 0]), Buffer.from('{x}')])), 'its header is not valid JSON'],
      ['a header without arrays', (file) => writeFileSync(file, withHeader({ epoch: 1, step: 1, specHash: 'a', randomState: [], history: [] })), 'header field "arrays" must be a list'],
      ['a negative epoch', (file) => writeFileSync(file, withHeader({ epoch: -1, step: 1, specHash: 'a', randomState: [], history: [], arrays: [] })), 'header field "epoch" must be an integer ≥ 0; found -1'],
      [
        'a shape that does not match the length',
        (file) => writeFileSync(file, withHeader({ epoch: 1, step: 1, specHash: 'a', randomState: [], history: [], arrays: [{ group: 'weights', name: 'w', shape: [2, 2], offset: 0, length: 3 }] })),
        'array "w" has shape [2, 2] (4 values) but length 3',
      ],
    ];

    it.each(cases)('rejects %s with a RunError', (_name, damage, part) => {
      const folder = newFolder();
      saveCheckpoint(folder, sampleCheckpoint());
      damage(join(folder, CHECKPOINT_FILE));
      expectRunError(() => loadCheckpoint(folder), `checkpoint ${join(folder, CHECKPOINT_FILE)} is unreadable: `, part, 'Delete the run folder');
    });
  });
});

function withHeader(header: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from('CSICKPT1'), length, json]);
}

describe('writeFileAtomic', () => {
  it('keeps the old file when a write fails', () => {
    const folder = newFolder();
    const file = join(folder, 'metrics.json');
    writeFileAtomic(file, '{"old": true}\n');
    const notBytes = { length: 3 } as unknown as Uint8Array;
    expect(() => writeFileAtomic(file, [Buffer.from('{"new": '), notBytes])).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('{"old": true}\n');
    expect(readdirSync(folder)).toEqual(['metrics.json']);
  });
});

describe('prepareRunFolder', () => {
  it('deletes only the temporary files of writeFileAtomic', () => {
    const folder = newFolder();
    for (const name of ['.checkpoint.bin.0123abcd.partial', '.metrics.json.ffffffff.partial', 'notes.partial', '.x.partial']) {
      writeFileSync(join(folder, name), 'x');
    }
    expect(prepareRunFolder(folder, 'resume').sort()).toEqual(['.checkpoint.bin.0123abcd.partial', '.metrics.json.ffffffff.partial']);
    expect(readdirSync(folder).sort()).toEqual(['.x.partial', 'notes.partial']);
  });

  it.each([
    ['train', 'Continue that run with --resume, or pass another --out folder'],
    ['eval', 'Pass another --out folder'],
  ] as const)('rejects mode %s in a folder with a checkpoint', (mode, hint) => {
    const folder = newFolder();
    saveCheckpoint(folder, sampleCheckpoint());
    expect(() => prepareRunFolder(folder, mode)).toThrow(UsageError);
    expect(() => prepareRunFolder(folder, mode)).toThrow(`the run folder ${folder} already contains a run (checkpoint.bin), which this command would overwrite. ${hint}`);
  });

  it('rejects resume of results without checkpoint', () => {
    const folder = newFolder();
    writeFileSync(join(folder, 'metrics.json'), '{}');
    expect(() => prepareRunFolder(folder, 'resume')).toThrow(`cannot resume in ${folder}: it contains results (metrics.json) but no checkpoint.bin`);
  });

  it('creates a missing folder', () => {
    const folder = join(newFolder(), 'a', 'b');
    expect(prepareRunFolder(folder, 'train')).toEqual([]);
    expect(existsSync(folder)).toBe(true);
  });
});

describe('resume spec check', () => {
  it('lists each changed, added and removed path', () => {
    const saved = 'seed: 1\ntrain:\n  epochs: 4\n  shift: [rotation]\n  loss:\n    - { name: con-si, weight: 1 }\n';
    const current = 'seed: 1\ntrain:\n  epochs: 5\n  shift: []\n  loss:\n    - { name: con-si, weight: 1 }\n    - { name: cls-si, weight: 1 }\n';
    expect(describeSpecDifferences(saved, current)).toEqual([
      'train.epochs: 4 in the checkpoint, 5 now',
      'train.shift[0]: "rotation" in the checkpoint, (absent) now',
      'train.shift: (absent) in the checkpoint, [] now',
      'train.loss[1].name: (absent) in the checkpoint, "cls-si" now',
      'train.loss[1].weight: (absent) in the checkpoint, 1 now',
    ]);
  });

  it('accepts the same spec only', () => {
    const folder = newFolder();
    saveCheckpoint(folder, sampleCheckpoint());
    expect(loadResumeCheckpoint(folder, 'abc', 'seed: 1\n')?.epoch).toBe(2);
    expect(() => loadResumeCheckpoint(folder, 'def', 'seed: 2\n')).toThrow(UsageError);
    expect(() => loadResumeCheckpoint(folder, 'def', 'seed: 2\n')).toThrow(
      `cannot resume ${folder}: its checkpoint.bin (epoch 2) was made with a different resolved spec; it differs in:\n  seed: 1 in the checkpoint, 2 now\n`,
    );
  });
});

describe('LARS state through a checkpoint file', () => {
  it('continues with the same steps as without a break', () => {
    const gradients = [
      [0.5, -1, 2],
      [0.25, 0.5, -0.75],
      [-1, 1, 0.1],
      [0.3, 0.2, 0.1],
    ];
    const options = { momentum: 0.9, weightDecay: 1e-4, trustCoefficient: 0.001 };
    const start = [1, -2, 0.5];
    const step = (optimizer: LarsOptimizer, variable: tf.Variable, gradient: number[], learningRate: number) => {
      const grad = tf.tensor1d(gradient);
      optimizer.applyGradients(new Map([['p', grad]]), new Map([['p', variable]]), learningRate);
      grad.dispose();
    };
    const makeVariable = (values: ArrayLike<number>) => tf.tidy(() => tf.variable(tf.tensor1d(Array.from(values))));
    const before = tf.memory().numTensors;

    const uninterrupted = makeVariable(start);
    const first = new LarsOptimizer(options);
    gradients.forEach((gradient, i) => step(first, uninterrupted, gradient, 0.5 + i));

    const interrupted = makeVariable(start);
    const second = new LarsOptimizer(options);
    step(second, interrupted, gradients[0]!, 0.5);
    step(second, interrupted, gradients[1]!, 1.5);
    const state = second.getState();
    const folder = newFolder();
    saveCheckpoint(folder, sampleCheckpoint({
      weights: new Map([['p', { shape: [3], values: Float32Array.from(interrupted.dataSync()) }]]),
      optimizerState: new Map([...state].map(([key, tensor]) => [key, { shape: [...tensor.shape], values: Float32Array.from(tensor.dataSync()) }])),
    }));
    tf.dispose([...state.values()]);
    second.dispose();
    interrupted.dispose();

    const checkpoint = loadCheckpoint(folder)!;
    expect([...checkpoint.optimizerState.keys()]).toEqual(['momentumBuffer/p']);
    const resumed = makeVariable(checkpoint.weights.get('p')!.values);
    const third = new LarsOptimizer(options);
    restoreOptimizerState(third, checkpoint);
    step(third, resumed, gradients[2]!, 2.5);
    step(third, resumed, gradients[3]!, 3.5);

    expect(Array.from(resumed.dataSync())).toEqual(Array.from(uninterrupted.dataSync()));
    expect(Array.from(resumed.dataSync())).not.toEqual(start);
    first.dispose();
    third.dispose();
    uninterrupted.dispose();
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

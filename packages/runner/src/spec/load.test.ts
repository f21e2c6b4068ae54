import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  ComponentRegistry,
  defineBackbone,
  defineDataset,
  defineLoss,
  defineMetric,
  defineProtocol,
  defineScore,
  defineShiftTransform,
  defineSoftAugmentation,
  SpecError,
  UsageError,
  type JsonSchema,
  type SpecProblem,
} from '@csi/core';
import { parse } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSpec } from './load.js';
import { parseSetArgument } from './overrides.js';

// Components with small, known option schemas, so the defaults below are fixed by this file.
function createFakeRegistry(): ComponentRegistry {
  const registry = new ComponentRegistry();
  const registrar = registry.registrarFor('@test/fake');
  const options = (properties: Record<string, JsonSchema> = {}): JsonSchema => ({
    type: 'object',
    additionalProperties: false,
    properties,
  });
  const unused = (): never => {
    throw new Error('not created in these tests');
  };
  registrar.add(defineDataset({ name: 'toy', summary: 'Toy data.', optionsSchema: options({ size: { type: 'integer', minimum: 1, default: 8 } }), create: unused }));
  registrar.add(
    defineProtocol({
      name: 'one-class',
      summary: 'One class is normal.',
      optionsSchema: options({ normalClasses: { type: 'array', items: { type: 'integer', minimum: 0 }, default: [0] } }),
      create: unused,
    }),
  );
  registrar.add(
    defineProtocol({
      name: 'held-out',
      summary: 'Some classes are held out.',
      optionsSchema: options({ heldOutClasses: { type: 'array', items: { type: 'integer', minimum: 0 } } }),
      create: unused,
    }),
  );
  registrar.add(
    defineShiftTransform({
      name: 'rotation',
      summary: 'Quarter turns.',
      optionsSchema: options({ quarterTurns: { type: 'array', items: { enum: [0, 1, 2, 3] }, default: [0, 1, 2, 3] } }),
      create: unused,
    }),
  );
  registrar.add(defineShiftTransform({ name: 'noise', summary: 'Noise.', optionsSchema: options({ std: { type: 'number', exclusiveMinimum: 0, default: 0.1 } }), create: unused }));
  registrar.add(defineSoftAugmentation({ name: 'flip', summary: 'Flip.', optionsSchema: options({ p: { type: 'number', minimum: 0, maximum: 1, default: 0.5 } }), create: unused }));
  for (const name of ['color-jitter', 'grayscale', 'crop']) {
    registrar.add(defineSoftAugmentation({ name, summary: name, optionsSchema: options(), create: unused }));
  }
  registrar.add(defineBackbone({ name: 'resnet', summary: 'ResNet.', optionsSchema: options({ widthMultiplier: { type: 'number', default: 1 } }), create: unused }));
  registrar.add(defineLoss({ name: 'con-si', summary: 'con-SI.', optionsSchema: options({ temperature: { type: 'number', exclusiveMinimum: 0, default: 0.5 } }), create: unused }));
  registrar.add(defineLoss({ name: 'cls-si', summary: 'cls-SI.', optionsSchema: options(), create: unused }));
  registrar.add(defineLoss({ name: 'sup', summary: 'Supervised.', optionsSchema: options(), classLabels: 'needed', create: unused }));
  registrar.add(defineProtocol({ name: 'labelled', summary: 'With labels.', optionsSchema: options(), classLabels: 'provided', create: unused }));
  registrar.add(
    defineProtocol({
      name: 'either',
      summary: 'Needs a or b.',
      optionsSchema: { ...options({ a: { type: 'integer' }, b: { type: 'integer' } }), anyOf: [{ required: ['a'] }, { required: ['b'] }] },
      create: unused,
    }),
  );
  registrar.add(defineScore({ name: 'csi', summary: 's_CSI.', optionsSchema: options(), create: unused }));
  for (const name of ['auroc', 'aupr', 'fpr-at-95-tpr']) {
    registrar.add(defineMetric({ name, summary: name, optionsSchema: options(), create: unused }));
  }
  return registry;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'csi-spec-'));
});

function writeSpec(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function load(file: string, sets: string[] = []) {
  return loadSpec(file, { registry: createFakeRegistry(), overrides: sets.map(parseSetArgument) });
}

async function problemsOf(promise: Promise<unknown>): Promise<SpecProblem[]> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SpecError);
  return (error as SpecError).problems;
}

const MINIMAL = 'name: minimal\ndata:\n  dataset: toy\ntrain:\n  epochs: 2\n';

describe('loadSpec defaults', () => {
  it('fills every default into a minimal spec', async () => {
    const { spec } = await load(writeSpec('minimal.yaml', MINIMAL));
    expect(spec).toEqual({
      name: 'minimal',
      seed: 0,
      backend: 'auto',
      plugins: [],
      outputDir: 'runs',
      data: { dataset: { name: 'toy', options: { size: 8 } }, maxTrainImages: null, maxTestImages: null },
      protocol: { name: 'one-class', options: { normalClasses: [0] } },
      model: { backbone: { name: 'resnet', options: { widthMultiplier: 1 } }, projectionSize: 128 },
      train: {
        epochs: 2,
        batchSize: 32,
        shift: [{ name: 'rotation', options: { quarterTurns: [0, 1, 2, 3] } }],
        align: [
          { name: 'flip', options: { p: 0.5 } },
          { name: 'color-jitter', options: {} },
          { name: 'grayscale', options: {} },
          { name: 'crop', options: {} },
        ],
        loss: [
          { name: 'con-si', weight: 1, options: { temperature: 0.5 } },
          { name: 'cls-si', weight: 1, options: {} },
        ],
        optimizer: { name: 'lars', learningRate: 0.1, momentum: 0.9, weightDecay: 1e-6, trustCoefficient: 0.001 },
        schedule: { warmupEpochs: 10, warmupMultiplier: 10 },
      },
      eval: {
        score: { name: 'csi', options: {} },
        ensemble: { samples: 1, cropScale: 0.54 },
        metrics: ['auroc', 'aupr', 'fpr-at-95-tpr'],
        batchSize: 256,
      },
    });
  });

  it('normalises bare names and fills their options', async () => {
    const file = writeSpec(
      'bare.yaml',
      MINIMAL + '  shift: [noise, { name: rotation, options: { quarterTurns: [0, 2] } }]\n  loss: [cls-si]\n',
    );
    const { spec } = await load(file);
    expect(spec.train.shift).toEqual([
      { name: 'noise', options: { std: 0.1 } },
      { name: 'rotation', options: { quarterTurns: [0, 2] } },
    ]);
    expect(spec.train.loss).toEqual([{ name: 'cls-si', weight: 1, options: {} }]);
  });

  it('gives a slot written as options alone its default name', async () => {
    const file = writeSpec('protocol.yaml', MINIMAL + 'protocol:\n  options:\n    normalClasses: [3]\n');
    const { spec } = await load(file);
    expect(spec.protocol).toEqual({ name: 'one-class', options: { normalClasses: [3] } });
  });

  it('returns the resolved spec as YAML', async () => {
    const loaded = await load(writeSpec('minimal.yaml', MINIMAL));
    expect(parse(loaded.resolvedSpecYaml)).toEqual(loaded.spec);
  });
});

describe('loadSpec key choices', () => {
  it('reports a missing choice of keys as one problem', async () => {
    const file = writeSpec('either.yaml', `${MINIMAL}protocol:\n  name: either\n`);
    const problems = await problemsOf(load(file));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('protocol.options');
    expect(problems[0]?.message).toBe('must set at least one of the keys "a", "b"; found {}');
  });
});

describe('loadSpec class labels', () => {
  it('rejects a loss that needs labels under a protocol without them', async () => {
    const file = writeSpec('sup.yaml', `${MINIMAL}  loss:\n    - name: sup\n      weight: 1\n`);
    const [problem, ...rest] = await problemsOf(load(file));
    expect(rest).toEqual([]);
    expect(problem?.path).toBe('train.loss[0]');
    expect(problem?.location?.line).toBe(7);
    expect(problem?.message).toContain('loss "sup" trains on class labels, but protocol "one-class" provides none');
    expect(problem?.message).toContain('Use a labelled protocol (labelled)');
  });

  it('accepts it under a protocol that provides labels', async () => {
    const file = writeSpec('sup.yaml', `${MINIMAL}  loss:\n    - name: sup\n      weight: 1\nprotocol: labelled\n`);
    expect((await load(file)).spec.protocol.name).toBe('labelled');
  });
});

describe('loadSpec extends', () => {
  it('merges maps, replaces lists, and lets the child win', async () => {
    writeSpec(
      'base.yaml',
      'name: base\nseed: 7\ndata:\n  dataset: toy\n  maxTrainImages: 100\ntrain:\n  epochs: 5\n  batchSize: 16\n  shift: [rotation, noise]\n',
    );
    const child = writeSpec('child.yaml', 'extends: base.yaml\nname: child\ntrain:\n  epochs: 1\n  shift: [noise]\n');
    const { spec } = await load(child);
    expect(spec.name).toBe('child');
    expect(spec.seed).toBe(7);
    expect(spec.data.maxTrainImages).toBe(100);
    expect(spec.train.epochs).toBe(1);
    expect(spec.train.batchSize).toBe(16);
    expect(spec.train.shift).toEqual([{ name: 'noise', options: { std: 0.1 } }]);
  });

  it('replaces a component whose name the child changes, and merges one it keeps', async () => {
    writeSpec('base.yaml', `${MINIMAL}protocol:\n  name: one-class\n  options:\n    normalClasses: [3]\n`);
    const renamed = writeSpec('renamed.yaml', 'extends: base.yaml\nprotocol:\n  name: held-out\n  options:\n    heldOutClasses: [1]\n');
    expect((await load(renamed)).spec.protocol).toEqual({ name: 'held-out', options: { heldOutClasses: [1] } });
    const sameName = writeSpec('same-name.yaml', 'extends: base.yaml\nprotocol:\n  name: one-class\n');
    expect((await load(sameName)).spec.protocol).toEqual({ name: 'one-class', options: { normalClasses: [3] } });
  });

  it("replaces the parent's sweep block instead of merging its axes", async () => {
    writeSpec('base.yaml', `${MINIMAL}sweep:\n  grid:\n    seed: [0, 1]\n`);
    const child = writeSpec('child.yaml', 'extends: base.yaml\nsweep:\n  grid:\n    train.epochs: [1, 2]\n');
    expect(Object.keys((await load(child)).spec.sweep?.grid ?? {})).toEqual(['train.epochs']);
  });

  it('applies a list of parents in order', async () => {
    writeSpec('first.yaml', 'seed: 1\ntrain:\n  batchSize: 8\n');
    writeSpec('second.yaml', 'seed: 2\n');
    const child = writeSpec('child.yaml', `extends: [first.yaml, second.yaml]\n${MINIMAL}`);
    const { spec } = await load(child);
    expect(spec.seed).toBe(2);
    expect(spec.train.batchSize).toBe(8);
  });

  it('resolves a parent relative to the file that names it', async () => {
    const nested = join(dir, 'nested');
    writeSpec('root-base.yaml', 'seed: 11\n');
    await import('node:fs').then((fs) => fs.mkdirSync(nested));
    writeFileSync(join(nested, 'middle.yaml'), 'extends: ../root-base.yaml\nname: middle\n');
    const child = writeSpec('child.yaml', 'extends: nested/middle.yaml\ndata:\n  dataset: toy\ntrain:\n  epochs: 1\n');
    const { spec } = await load(child);
    expect(spec.seed).toBe(11);
    expect(spec.name).toBe('middle');
  });

  it('locates a problem in the parent file', async () => {
    writeSpec('base.yaml', 'name: base\ndata:\n  dataset: toy\ntrain:\n  epochs: 1\n  batchSize: 0\n');
    const child = writeSpec('child.yaml', 'extends: base.yaml\nseed: 3\n');
    const [problem, ...rest] = await problemsOf(load(child));
    expect(rest).toEqual([]);
    expect(problem?.path).toBe('train.batchSize');
    expect(problem?.location?.file).toMatch(/base\.yaml$/);
    expect(problem?.location?.line).toBe(6);
    expect(problem?.location?.column).toBe(14);
    expect(problem?.message).toBe('must be >= 1; found 0');
  });
});

describe('loadSpec --set', () => {
  it('sets numbers, lists and empty lists as YAML', async () => {
    const file = writeSpec('spec.yaml', MINIMAL);
    const { spec } = await load(file, ['train.epochs=3', 'protocol.options.normalClasses=[3]', 'train.shift=[]']);
    expect(spec.train.epochs).toBe(3);
    expect(spec.protocol).toEqual({ name: 'one-class', options: { normalClasses: [3] } });
    expect(spec.train.shift).toEqual([]);
  });

  it('changes one item of a list written in the file', async () => {
    const file = writeSpec('spec.yaml', MINIMAL + '  loss: [con-si, cls-si]\n');
    const { spec } = await load(file, ['train.loss[1].weight=0.5', 'train.loss[0].options.temperature=0.2']);
    expect(spec.train.loss).toEqual([
      { name: 'con-si', weight: 1, options: { temperature: 0.2 } },
      { name: 'cls-si', weight: 0.5, options: {} },
    ]);
  });

  it('normalises a bare name it sets', async () => {
    const { spec } = await load(writeSpec('spec.yaml', MINIMAL), ['model.backbone=resnet', 'train.align=[flip]']);
    expect(spec.model.backbone).toEqual({ name: 'resnet', options: { widthMultiplier: 1 } });
    expect(spec.train.align).toEqual([{ name: 'flip', options: { p: 0.5 } }]);
  });

  it('names the argument in a problem with its value', async () => {
    const [problem, ...rest] = await problemsOf(load(writeSpec('spec.yaml', MINIMAL), ['train.epochs=-1']));
    expect(rest).toEqual([]);
    expect(problem?.location).toBeUndefined();
    expect(problem?.path).toBe('train.epochs');
    expect(problem?.message).toBe('must be >= 1; found -1 (from --set train.epochs=-1)');
  });

  it('rejects an index into a list the spec does not set', async () => {
    const promise = load(writeSpec('spec.yaml', MINIMAL), ['train.loss[1].weight=2']);
    await expect(promise).rejects.toThrow(UsageError);
    await expect(promise).rejects.toThrow(
      '--set train.loss[1].weight=2: the spec does not set train.loss, so it has no items to change; set the whole list instead, e.g. --set train.loss=[...]',
    );
  });

  it('rejects a key below a scalar', async () => {
    const promise = load(writeSpec('spec.yaml', MINIMAL), ['train.epochs.max=2']);
    await expect(promise).rejects.toThrow('--set train.epochs.max=2: cannot set key "max" because train.epochs is the value 2, not a map');
  });
});

describe('loadSpec problems', () => {
  it('reports every problem at once, in file order', async () => {
    const file = writeSpec(
      'many.yaml',
      [
        'name: many problems',
        'seed: -1',
        'data:',
        '  dataset: toi',
        'train:',
        '  epochs: 0',
        '  shift: [{ name: rotation, options: { quarterTurns: [5] } }]',
        '  loss:',
        '    - name: con-si',
        '      weight: heavy',
        'eval:',
        '  metrics: [auroc, auroc]',
        '',
      ].join('\n'),
    );
    const problems = await problemsOf(load(file));
    const summary = problems.map((problem) => `${problem.location?.line}:${problem.location?.column} ${problem.path}`);
    expect(summary).toEqual([
      '1:7 name',
      '2:7 seed',
      '4:12 data.dataset',
      '6:11 train.epochs',
      '7:55 train.shift[0].options.quarterTurns[0]',
      '10:15 train.loss[0].weight',
      '12:12 eval.metrics',
    ]);
    expect(problems[2]?.message).toBe('unknown dataset "toi". Known: toy. Did you mean "toy"?');
    expect(problems[4]?.message).toBe('must be one of 0, 1, 2, 3; found 5');
    expect(problems[5]?.message).toBe('must be a number; found "heavy"');
    expect(problems[6]?.message).toBe('must not repeat an item (items 0 and 1 are equal); found ["auroc","auroc"]');
  });

  it('reports a missing key at its parent key', async () => {
    const file = writeSpec('missing.yaml', 'name: x\ndata:\n  dataset: toy\ntrain:\n  batchSize: 4\n');
    const [problem] = await problemsOf(load(file));
    expect(problem?.path).toBe('train.epochs');
    expect(problem?.location).toMatchObject({ line: 4, column: 1 });
    expect(problem?.message).toBe('missing required key "epochs"; set it to an integer >= 1');
  });

  it('says when an invalid value is a default', async () => {
    const registry = createFakeRegistry();
    const file = writeSpec('default.yaml', MINIMAL);
    // A registry without `rotation` makes the default shift list invalid.
    const withoutRotation = new ComponentRegistry();
    for (const entry of registry.list()) {
      if (entry.descriptor.name !== 'rotation') withoutRotation.add(entry.descriptor, entry.source);
    }
    const [problem] = await problemsOf(loadSpec(file, { registry: withoutRotation }));
    expect(problem?.path).toBe('train.shift[0].name');
    expect(problem?.message).toBe('unknown shift transform "rotation". Known: noise. (a default, because the spec does not set train.shift)');
    expect(problem?.location).toMatchObject({ line: 4, column: 1 });
  });

  it('reports an unknown option with the known ones', async () => {
    const file = writeSpec('option.yaml', MINIMAL + '  shift:\n    - name: noise\n      options: { sdt: 0.2 }\n');
    const [problem] = await problemsOf(load(file));
    expect(problem?.path).toBe('train.shift[0].options.sdt');
    expect(problem?.location).toMatchObject({ line: 8, column: 18 });
    expect(problem?.message).toBe('unknown option "sdt" of shift transform "noise". Known options: std. Did you mean "std"?');
  });

  it('reports a component of the wrong shape', async () => {
    const file = writeSpec('shape.yaml', MINIMAL + '  shift: [3]\n');
    const [problem] = await problemsOf(load(file));
    expect(problem?.path).toBe('train.shift[0]');
    expect(problem?.message).toBe('must be a shift transform name or a map { name, options }; found 3');
  });

  it('uses paths relative to the working directory in locations', async () => {
    const file = writeSpec('epochs.yaml', 'name: x\ndata:\n  dataset: toy\ntrain:\n  epochs: 1.5\n');
    const [problem] = await problemsOf(load(file));
    const expected = relative(process.cwd(), file);
    expect(problem?.location?.file).toBe(expected.startsWith('..') ? file : expected);
  });
});

// Seeded random mutations of the committed specs, each loaded in-process by the real loader and
// validator. Every outcome must be a valid spec or a SpecError whose problems all have a path and
// a message; any other exception is a bug.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { RandomSource, SpecError } from '@csi/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import type { ComponentRef, ExperimentSpec } from '../../src/spec/types.js';

const MUTATIONS = 2000;
const CONTROL_SAMPLES = 40;
const SEED = 20240611;

const configsDir = fileURLToPath(new URL('../../../../configs/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'csi-spec-fuzz-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface BaseSpec {
  /** Folder of the copy, relative to `work`; mutants go there so that `extends` still resolves. */
  folder: string;
  /** Path of the copy. */
  file: string;
  text: string;
  value: Record<string, unknown>;
}

/**
 * Copies configs/fashion-mnist/*.yaml and configs/examples/*.yaml into the work folder, with
 * relative plugin paths made absolute so that they still resolve from the copy.
 */
function copyBaseSpecs(): BaseSpec[] {
  const bases: BaseSpec[] = [];
  for (const folder of ['fashion-mnist', 'examples']) {
    mkdirSync(join(work, folder), { recursive: true });
    for (const name of readdirSync(join(configsDir, folder)).filter((file) => file.endsWith('.yaml')).sort()) {
      let text = readFileSync(join(configsDir, folder, name), 'utf8');
      const value = parse(text) as Record<string, unknown>;
      if (Array.isArray(value.plugins)) {
        value.plugins = value.plugins.map((entry: unknown) =>
          typeof entry === 'string' && entry.startsWith('.') ? resolve(configsDir, folder, entry) : entry,
        );
        text = stringify(value);
      }
      writeFileSync(join(work, folder, name), text);
      bases.push({ folder, file: join(work, folder, name), text, value });
    }
  }
  return bases;
}

type Path = (string | number)[];

// Values that specs use, so that swaps and misspellings land on plausible names.
const KNOWN_KEYS = ['name', 'options', 'seed', 'backend', 'plugins', 'outputDir', 'extends', 'data', 'dataset', 'protocol', 'model', 'backbone',
  'projectionSize', 'train', 'epochs', 'batchSize', 'shift', 'align', 'loss', 'weight', 'optimizer', 'learningRate', 'momentum',
  'schedule', 'warmupEpochs', 'eval', 'score', 'ensemble', 'samples', 'cropScale', 'metrics', 'normalClasses', 'maxTrainImages'];
const KNOWN_NAMES = ['rotation', 'cut-perm', 'noise', 'crop', 'flip', 'color-jitter', 'grayscale', 'con-si', 'cls-si', 'nt-xent', 'lars',
  'sgd', 'adam', 'resnet', 'csi', 'con', 'auroc', 'aupr', 'fpr-at-95-tpr', 'one-class', 'fashion-mnist', 'mnist', 'idx-folder',
  'color-invert', 'auto', 'cpu', 'wasm', 'native', 'csi.yaml', 'tiny.yaml'];
const EDGE_NUMBERS = [0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 31), 2 ** 32, 1e-320, Number.MAX_SAFE_INTEGER, 0.1 + 0.2];
const ODD_STRINGS = ['', ' ', '\t', '\n', 'null', '~', 'yes', 'NaN', '.inf', '0x1F', '1_000', 'ünïcödé', '名前', '\u0000', '\u202e',
  '../../../etc/passwd', 'a'.repeat(5000), '${HOME}', '<script>', "'; DROP TABLE", '{}', '[]', '*alias', '&anchor', '!!js/function'];
// Text inserted into the YAML itself, to damage its syntax or use YAML features specs reject.
const YAML_FRAGMENTS = [':', '-', '[', ']', '{', '}', '"', "'", '\t', '#', '&a', '*a', '!', '!!js/function "return 1"', '!custom x',
  '|', '>', '%YAML 1.1\n', '---\n', '...\n', '<<: *a\n', '? ', ',', '@', '`', '\n', '  ', '\ufeff', '\u0000', '\r', 'key: value\n',
  '!!binary aGVsbG8=', '!!set {a, b}', '!!timestamp 2001-12-14', '9'.repeat(400), '-.inf', '.nan', '0o17', '&x [*x]'];

class Mutator {
  constructor(private readonly random: RandomSource) {}

  pick<T>(items: readonly T[]): T {
    return items[this.random.integer(0, items.length - 1)]!;
  }

  chance(p: number): boolean {
    return this.random.bernoulli(p);
  }

  integer(min: number, max: number): number {
    return this.random.integer(min, max);
  }

  /** Draws a scalar of any type, or a list or map nested up to `depth` levels. */
  value(depth: number): unknown {
    const kind = this.integer(0, depth > 0 ? 8 : 5);
    switch (kind) {
      case 0:
        return this.integer(-1000, 1000);
      case 1:
        return this.pick(EDGE_NUMBERS);
      case 2:
        return this.chance(0.5);
      case 3:
        return null;
      case 4:
        return this.pick(ODD_STRINGS);
      case 5:
        return this.chance(0.5) ? this.pick(KNOWN_NAMES) : this.randomWord();
      case 6:
      case 7:
        return Array.from({ length: this.integer(0, 4) }, () => this.value(depth - 1));
      default:
        return Object.fromEntries(
          Array.from({ length: this.integer(0, 4) }, () => [this.chance(0.5) ? this.pick(KNOWN_KEYS) : this.randomWord(), this.value(depth - 1)]),
        );
    }
  }

  randomWord(): string {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ .';
    return Array.from({ length: this.integer(1, 12) }, () => this.pick([...letters])).join('');
  }

  /** Returns a near miss of `name`: a letter dropped, doubled, swapped or changed, or another case. */
  misspell(name: string): string {
    if (name.length < 2) return `${name}x`;
    const at = this.integer(0, name.length - 2);
    switch (this.integer(0, 5)) {
      case 0:
        return name.slice(0, at) + name.slice(at + 1);
      case 1:
        return name.slice(0, at) + name[at] + name.slice(at);
      case 2:
        return name.slice(0, at) + name[at + 1] + name[at] + name.slice(at + 2);
      case 3:
        return name.toUpperCase();
      case 4:
        return `${name} `;
      default:
        return name.slice(0, at) + this.pick([...'xyz_-.']) + name.slice(at + 1);
    }
  }
}

/** Lists every path in `value` to a map entry or list item, parents before children. */
function listPaths(value: unknown, prefix: Path = [], into: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      into.push([...prefix, index]);
      listPaths(item, [...prefix, index], into);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      into.push([...prefix, key]);
      listPaths(child, [...prefix, key], into);
    }
  }
  return into;
}

function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
}

function deleteAt(root: unknown, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, unknown>)[key as string];
}

const isPrefix = (a: Path, b: Path) => a.length <= b.length && a.every((key, i) => key === b[i]);

type StructuralMutation = (tree: Record<string, unknown>, m: Mutator) => string;

// Each mutation changes `tree` in place and returns a description for failure messages.
const STRUCTURAL: Record<string, StructuralMutation> = {
  changeType(tree, m) {
    const path = m.pick(listPaths(tree));
    const before = getAt(tree, path);
    let after = m.value(2);
    for (let tries = 0; tries < 5 && typeof after === typeof before && Array.isArray(after) === Array.isArray(before); tries++) after = m.value(2);
    setAt(tree, path, after);
    return `changeType ${path.join('.')}`;
  },
  deleteKey(tree, m) {
    const path = m.pick(listPaths(tree));
    deleteAt(tree, path);
    return `deleteKey ${path.join('.')}`;
  },
  addKey(tree, m) {
    const maps = [[], ...listPaths(tree)].filter((path) => {
      const node = getAt(tree, path);
      return typeof node === 'object' && node !== null && !Array.isArray(node);
    });
    const path = m.pick(maps);
    const key = m.chance(0.6) ? m.pick(KNOWN_KEYS) : m.randomWord();
    setAt(tree, [...path, key], m.value(2));
    return `addKey ${[...path, key].join('.')}`;
  },
  swapValues(tree, m) {
    const paths = listPaths(tree);
    const a = m.pick(paths);
    const b = m.pick(paths);
    if (isPrefix(a, b) || isPrefix(b, a)) return STRUCTURAL.changeType!(tree, m);
    const value = getAt(tree, a);
    setAt(tree, a, getAt(tree, b));
    setAt(tree, b, value);
    return `swapValues ${a.join('.')} ${b.join('.')}`;
  },
  wrongComponentName(tree, m) {
    const strings = listPaths(tree).filter((path) => typeof getAt(tree, path) === 'string');
    if (strings.length === 0) return STRUCTURAL.addKey!(tree, m);
    const path = m.pick(strings);
    const name = getAt(tree, path) as string;
    setAt(tree, path, m.chance(0.6) ? m.misspell(name) : m.pick(KNOWN_NAMES));
    return `wrongComponentName ${path.join('.')}`;
  },
  nestedGarbage(tree, m) {
    const path = m.pick(listPaths(tree));
    setAt(tree, path, m.value(6));
    return `nestedGarbage ${path.join('.')}`;
  },
  hugeNumber(tree, m) {
    const path = m.pick(listPaths(tree));
    setAt(tree, path, m.pick([1e308, -1e308, 2 ** 63, -(2 ** 63), 1e21, 123456789012345680000, Number.MAX_VALUE, Number.MIN_VALUE]));
    return `hugeNumber ${path.join('.')}`;
  },
  emptyString(tree, m) {
    const path = m.pick(listPaths(tree));
    setAt(tree, path, '');
    return `emptyString ${path.join('.')}`;
  },
};

type TextMutation = (text: string, m: Mutator) => [string, string];

// Mutations of the YAML text, applied after the structural ones.
const TEXTUAL: Record<string, TextMutation> = {
  deleteCharacter(text, m) {
    const at = m.integer(0, Math.max(0, text.length - 1));
    return [text.slice(0, at) + text.slice(at + 1), `deleteCharacter ${at}`];
  },
  insertFragment(text, m) {
    const at = m.integer(0, text.length);
    const fragment = m.pick(YAML_FRAGMENTS);
    return [text.slice(0, at) + fragment + text.slice(at), `insertFragment ${JSON.stringify(fragment)} at ${at}`];
  },
  duplicateLine(text, m) {
    const lines = text.split('\n');
    const at = m.integer(0, lines.length - 1);
    lines.splice(at, 0, lines[at]!);
    return [lines.join('\n'), `duplicateLine ${at + 1}`];
  },
  reindentLine(text, m) {
    const lines = text.split('\n');
    const at = m.integer(0, lines.length - 1);
    lines[at] = m.chance(0.5) ? ` ${lines[at]}` : lines[at]!.replace(/^ {1,2}/, '');
    return [lines.join('\n'), `reindentLine ${at + 1}`];
  },
  truncate(text, m) {
    const at = m.integer(0, text.length);
    return [text.slice(0, at), `truncate ${at}`];
  },
  deepNesting(text, m) {
    const depth = m.pick([20, 200, 700, 2000, 20000]);
    const [open, close] = m.pick([['[', ']'], ['{a: ', '}'], ['- ', '']]);
    const nested = open === '- '
      ? Array.from({ length: Math.min(depth, 300) }, (_, i) => `${' '.repeat(2 * i)}- `).join('\n') + '1'
      : `${open.repeat(depth)}1${close.repeat(depth)}`;
    const key = m.pick(['train', 'seed', 'data', 'eval', 'plugins', 'extra']);
    return [`${text}\n${key}: ${open === '- ' ? '\n' : ''}${nested}\n`, `deepNesting ${key} ${open.trim()} ${depth}`];
  },
  aliasBomb(text) {
    const levels = Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`);
    return [`${text}\nl0: &l0 [lol]\n${levels.join('\n')}\n`, 'aliasBomb'];
  },
};

type Outcome = { valid: true; spec: unknown } | { valid: false; problems: { path: unknown; message: unknown }[] };

/**
 * Lists the fields where a spec that passed validation breaks the ExperimentSpec type, which
 * `csi run` relies on. It checks a sample of the fields.
 */
function findTypeViolations(value: unknown): string[] {
  const spec = value as ExperimentSpec;
  const isComponent = (ref: unknown) =>
    typeof ref === 'object' && ref !== null && typeof (ref as ComponentRef).name === 'string' && typeof (ref as ComponentRef).options === 'object';
  const checks: [string, boolean][] = [
    ['name', typeof spec.name === 'string' && spec.name !== ''],
    ['seed', Number.isInteger(spec.seed) && spec.seed >= 0],
    ['plugins', Array.isArray(spec.plugins) && spec.plugins.every((entry) => typeof entry === 'string')],
    ['data.dataset', isComponent(spec.data?.dataset)],
    ['protocol', isComponent(spec.protocol)],
    ['model.backbone', isComponent(spec.model?.backbone)],
    ['model.projectionSize', Number.isInteger(spec.model?.projectionSize) && spec.model.projectionSize >= 1],
    ['train.epochs', Number.isInteger(spec.train?.epochs) && spec.train.epochs >= 1],
    ['train.batchSize', Number.isInteger(spec.train?.batchSize) && spec.train.batchSize >= 1],
    ['train.shift', Array.isArray(spec.train?.shift) && spec.train.shift.every(isComponent)],
    ['train.align', Array.isArray(spec.train?.align) && spec.train.align.every(isComponent)],
    ['train.loss', Array.isArray(spec.train?.loss) && spec.train.loss.length > 0 && spec.train.loss.every((ref) => isComponent(ref) && Number.isFinite(ref.weight))],
    ['train.optimizer.learningRate', Number.isFinite(spec.train?.optimizer?.learningRate)],
    ['eval.score', isComponent(spec.eval?.score)],
    ['eval.metrics', Array.isArray(spec.eval?.metrics) && spec.eval.metrics.length > 0],
  ];
  return checks.filter(([, ok]) => !ok).map(([path]) => path);
}

/** Loads the file; returns the outcome, or throws what is neither a valid spec nor a SpecError. */
async function loadOutcome(file: string): Promise<Outcome> {
  try {
    const loaded = await loadSpec(file);
    return { valid: true, spec: loaded.spec };
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    return { valid: false, problems: error.problems.map(({ path, message }) => ({ path, message })) };
  }
}

function makeMutant(bases: readonly BaseSpec[], m: Mutator): { folder: string; text: string; steps: string[] } {
  const base = m.pick(bases);
  const steps: string[] = [];
  let text = base.text;
  const structural = m.integer(0, 3);
  if (structural > 0) {
    const tree = structuredClone(base.value);
    for (let i = 0; i < structural; i++) steps.push(STRUCTURAL[m.pick(Object.keys(STRUCTURAL))]!(tree, m));
    text = stringify(tree);
  }
  if (structural === 0 || m.chance(0.3)) {
    const [changed, step] = TEXTUAL[m.pick(Object.keys(TEXTUAL))]!(text, m);
    text = changed;
    steps.push(step);
  }
  return { folder: base.folder, text, steps };
}

describe('spec loader under random mutations', () => {
  const bases = copyBaseSpecs();

  it('loads every committed spec as valid', async () => {
    expect(bases.length).toBeGreaterThanOrEqual(4);
    for (const base of bases) {
      const outcome = await loadOutcome(base.file);
      expect(outcome.valid, `${base.file}: ${JSON.stringify(outcome)}`).toBe(true);
      if (outcome.valid) expect(findTypeViolations(outcome.spec)).toEqual([]);
    }
  });

  // The loader reuses the compiled schema; a second load must not see anything left by the first.
  it('gives the same outcome when a spec is loaded twice', async () => {
    const m = new Mutator(RandomSource.fromSeed(SEED + 1));
    for (let i = 0; i < CONTROL_SAMPLES; i++) {
      const mutant = makeMutant(bases, m);
      const file = join(work, mutant.folder, `control-${i}.yaml`);
      writeFileSync(file, mutant.text);
      const first = await loadOutcome(file);
      expect(await loadOutcome(file), mutant.steps.join('; ')).toEqual(first);
    }
  });

  it(`ends in a valid spec or a SpecError for ${MUTATIONS} mutants`, async () => {
    const m = new Mutator(RandomSource.fromSeed(SEED));
    const failures: string[] = [];
    let valid = 0;
    let rejected = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const mutant = makeMutant(bases, m);
      const file = join(work, mutant.folder, `mutant-${i}.yaml`);
      writeFileSync(file, mutant.text);
      try {
        const outcome = await loadOutcome(file);
        if (outcome.valid) {
          valid++;
          const violations = findTypeViolations(outcome.spec);
          if (violations.length > 0) failures.push(`mutant ${i} (${mutant.steps.join('; ')}): valid, but wrong at ${violations.join(', ')}`);
          continue;
        }
        rejected++;
        for (const problem of outcome.problems) {
          if (typeof problem.path !== 'string' || typeof problem.message !== 'string' || problem.message.trim() === '') {
            failures.push(`mutant ${i} (${mutant.steps.join('; ')}): problem without path or message: ${JSON.stringify(problem)}`);
          }
        }
      } catch (error) {
        failures.push(`mutant ${i} (${mutant.steps.join('; ')}): ${(error as Error).constructor.name}: ${(error as Error).message}\n${mutant.text.slice(0, 2000)}`);
      } finally {
        rmSync(file);
      }
    }
    console.log(`spec fuzz: ${MUTATIONS} mutants from ${bases.length} specs: ${valid} valid, ${rejected} SpecError, ${failures.length} failures`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(valid + rejected).toBe(MUTATIONS);
    // A mutation mix that the validator rejects every time, or never, would test little.
    expect(valid).toBeGreaterThan(MUTATIONS / 20);
    expect(rejected).toBeGreaterThan(MUTATIONS / 2);
  });
});

// End-to-end tests of the built `csi` binary. They need `pnpm build` first (the root `pnpm test`
// runs it), because they execute packages/runner/dist/cli.js with Node as a user would.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliFile = join(repoRoot, 'packages/runner/dist/cli.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function csi(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cliFile, ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  if (!existsSync(cliFile)) throw new Error(`${cliFile} is missing; run pnpm build before these tests`);
  if (!existsSync(join(repoRoot, 'examples/shift-color-invert/dist/index.js'))) {
    throw new Error('examples/shift-color-invert is not built; run pnpm build before these tests');
  }
});

describe('csi help', () => {
  it('lists every command', async () => {
    const result = await csi('--help');
    expect(result.code).toBe(0);
    for (const command of ['validate [options] <spec>', 'run [options] <spec>', 'eval [options] <spec>', 'list [options] [kind]', 'schema [options]', 'data']) {
      expect(result.stdout).toContain(command);
    }
  });

  it('exits 2 for an unknown command', async () => {
    const result = await csi('trian');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown command 'trian'");
  });
});

describe('csi validate', () => {
  it('prints valid and a summary', async () => {
    const result = await csi('validate', 'configs/examples/plugin-color-invert.yaml');
    expect(result.code).toBe(0);
    const [first, summary, ...rest] = result.stdout.split('\n');
    expect(first).toBe('configs/examples/plugin-color-invert.yaml: valid');
    expect(summary).toMatch(/^fashion-mnist-color-invert: fashion-mnist \(one-class\), resnet P=32, shift color-invert, /);
    expect(summary).toContain('1 epoch × 32 images');
    expect(summary).toContain('plugins csi-example-shift-color-invert');
    expect(rest).toEqual(['']);
  });

  it('applies --set values before validation', async () => {
    const result = await csi(
      'validate',
      'configs/examples/plugin-color-invert.yaml',
      '--set',
      'train.epochs=3',
      '--set',
      'train.shift=[]',
      '--set',
      'protocol.options.normalClasses=[3]',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('shift none (K = 1)');
    expect(result.stdout).toContain('3 epochs × 32 images');
  });

  it('names the --set argument of an invalid value', async () => {
    const result = await csi('validate', 'configs/examples/plugin-color-invert.yaml', '--set', 'train.epochs=-1');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('train.epochs: must be >= 1; found -1 (from --set train.epochs=-1)');
  });

  it('exits 2 for a malformed --set', async () => {
    const result = await csi('validate', 'configs/examples/plugin-color-invert.yaml', '--set', 'train.epochs');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --set train.epochs: expected path=value, e.g. --set train.epochs=3\n');
  });

  it('exits 2 for a missing spec file', async () => {
    const result = await csi('validate', 'configs/no-such-spec.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: cannot read spec configs/no-such-spec.yaml: file not found\n');
  });
});

describe('csi list', () => {
  it('shows the components of every built-in package', async () => {
    const result = await csi('list');
    expect(result.code).toBe(0);
    const expectations: [string, string][] = [
      ['fashion-mnist', '@csi/datasets'],
      ['one-class', '@csi/datasets'],
      ['rotation', '@csi/transforms'],
      ['crop', '@csi/transforms'],
      ['resnet', '@csi/backbone'],
      ['con-si', '@csi/losses'],
      ['cls-si', '@csi/losses'],
      ['csi', '@csi/scoring'],
      ['auroc', '@csi/scoring'],
    ];
    for (const [name, source] of expectations) expect(result.stdout).toContain(`\n  ${name}  from ${source}\n`);
    expect(result.stdout).toContain('shift transforms (kind shift, spec key train.shift)');
    expect(result.stdout).toMatch(/\n {6}quarterTurns +list of 0\|1\|2\|3, default \[0,1,2,3\]/);
  });

  it('shows a plugin given with --plugin', async () => {
    const result = await csi('list', 'shift', '--plugin', './examples/shift-color-invert');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\n  color-invert  from csi-example-shift-color-invert\n');
    expect(result.stdout).toContain('Inverts pixel values to 1 − x (variant 1); variant 0 is the identity; K = 2.');
    expect(result.stdout).toMatch(/\n {6}channels +list of integer ≥ 0 — Channel indices to invert/);
    expect(result.stdout).not.toContain('soft augmentations');
  });

  it('suggests a kind for a misspelt one', async () => {
    const result = await csi('list', 'shfit');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown component kind "shfit"');
    expect(result.stderr).toContain('Did you mean "shift"?');
  });
});

describe('csi schema', () => {
  it('writes the committed schema', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'csi-schema-')), 'schema.json');
    const result = await csi('schema', '--out', out);
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(repoRoot, 'configs/csi-spec.schema.json'), 'utf8'));
  });

  it('adds plugin components when asked', async () => {
    const result = await csi('schema', '--plugin', './examples/shift-color-invert');
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as { properties: { train: { properties: { shift: { items: { then: { enum: string[] } } } } } } };
    expect(schema.properties.train.properties.shift.items.then.enum).toContain('color-invert');
  });
});

describe('csi run and eval', () => {
  it('writes no run folder for an invalid spec', async () => {
    const outputDir = join(mkdtempSync(join(tmpdir(), 'csi-run-')), 'runs');
    const result = await csi('run', 'configs/examples/plugin-color-invert.yaml', '--set', `outputDir=${outputDir}`, '--set', 'train.batchSize=0');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('train.batchSize: must be >= 1; found 0 (from --set train.batchSize=0)');
    expect(existsSync(outputDir)).toBe(false);
  });

  it('needs --out for --resume', async () => {
    const result = await csi('run', 'configs/examples/plugin-color-invert.yaml', '--resume');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --resume continues an earlier run, so it needs that run folder: add --out DIR\n');
  });

  it('rejects an unknown backend', async () => {
    const result = await csi('run', 'configs/examples/plugin-color-invert.yaml', '--backend', 'cuda');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument 'cuda' is invalid. Allowed choices are auto, tensorflow-gpu, tensorflow, native, wasm, cpu.");
  });

  it('needs --checkpoint for eval', async () => {
    const result = await csi('eval', 'configs/examples/plugin-color-invert.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: required option '--checkpoint <dir>' not specified");
  });
});

describe('csi data fetch', () => {
  it('exits 2 for an unknown data set', async () => {
    const result = await csi('data', 'fetch', 'fashoin-mnist');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: unknown dataset "fashoin-mnist". Known: cifar10, cifar100, fashion-mnist, mnist. Did you mean "fashion-mnist"?\n');
  });
});

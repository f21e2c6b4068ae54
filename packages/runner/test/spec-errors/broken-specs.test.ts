import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SpecError, type SpecProblem } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/index.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const brokenDir = join(repoRoot, 'configs/broken');
const cliFile = join(repoRoot, 'packages/runner/dist/cli.js');

interface ExpectedProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  /** Parts the message must contain: what is wrong, the value found, the fix. */
  parts: (string | RegExp)[];
}

/** Every file in configs/broken, the spec that `csi validate` is given, and the problems it must report. */
const CASES: { spec: string; problems: ExpectedProblem[] }[] = [
  {
    spec: 'bad-indentation.yaml',
    problems: [
      {
        file: 'bad-indentation.yaml',
        line: 8,
        column: 1,
        path: '',
        parts: ['invalid YAML (BAD_INDENT)', 'All mapping items must start at the same column', '     batchSize: 16'],
      },
    ],
  },
  {
    spec: 'wrong-type.yaml',
    problems: [{ file: 'wrong-type.yaml', line: 6, column: 11, path: 'train.epochs', parts: ['must be an integer', 'found "ten"'] }],
  },
  {
    spec: 'unknown-key.yaml',
    problems: [
      {
        file: 'unknown-key.yaml',
        line: 7,
        column: 3,
        path: 'train.batch_size',
        parts: ['unknown key "batch_size"', 'Known keys: epochs, batchSize, shift, align, loss, optimizer, schedule', 'Did you mean "batchSize"?'],
      },
    ],
  },
  {
    spec: 'misspelt-shift.yaml',
    problems: [
      {
        file: 'misspelt-shift.yaml',
        line: 7,
        column: 11,
        path: 'train.shift[0]',
        parts: ['unknown shift transform "rotaton"', /Known: .*\brotation\b/, 'Did you mean "rotation"?'],
      },
    ],
  },
  {
    spec: 'missing-required.yaml',
    problems: [
      { file: 'missing-required.yaml', line: 5, column: 1, path: 'train.epochs', parts: ['missing required key "epochs"', 'set it to an integer >= 1'] },
    ],
  },
  {
    spec: 'negative-epochs.yaml',
    problems: [{ file: 'negative-epochs.yaml', line: 6, column: 11, path: 'train.epochs', parts: ['must be >= 1', 'found -5'] }],
  },
  {
    spec: 'extends-cycle-a.yaml',
    problems: [
      {
        file: 'extends-cycle-b.yaml',
        line: 2,
        column: 10,
        path: 'extends',
        parts: [
          'extends cycle: configs/broken/extends-cycle-a.yaml → configs/broken/extends-cycle-b.yaml → configs/broken/extends-cycle-a.yaml',
          'Remove one of these extends entries',
        ],
      },
    ],
  },
  {
    spec: 'extends-cycle-b.yaml',
    problems: [
      {
        file: 'extends-cycle-a.yaml',
        line: 2,
        column: 10,
        path: 'extends',
        parts: ['extends cycle: configs/broken/extends-cycle-b.yaml → configs/broken/extends-cycle-a.yaml → configs/broken/extends-cycle-b.yaml'],
      },
    ],
  },
  {
    spec: 'extends-missing.yaml',
    problems: [
      {
        file: 'extends-missing.yaml',
        line: 2,
        column: 10,
        path: 'extends',
        parts: [`file not found: ${join(brokenDir, 'no-such-base.yaml')}`, '(resolved from "./no-such-base.yaml" relative to configs/broken)'],
      },
    ],
  },
  {
    spec: 'unknown-plugin.yaml',
    problems: [
      {
        file: 'unknown-plugin.yaml',
        line: 4,
        column: 5,
        path: 'plugins[0]',
        parts: ['plugin "./no-such-plugin" cannot be loaded', `not found: ${join(brokenDir, 'no-such-plugin')}`, `relative to ${brokenDir}`],
      },
      {
        file: 'unknown-plugin.yaml',
        line: 5,
        column: 5,
        path: 'plugins[1]',
        parts: [
          'plugin "csi-plugin-that-does-not-exist" cannot be loaded',
          `package "csi-plugin-that-does-not-exist" not found in any node_modules folder from ${brokenDir}`,
          'pnpm add csi-plugin-that-does-not-exist',
        ],
      },
    ],
  },
  {
    spec: 'plugin-bad-option.yaml',
    problems: [
      { file: 'plugin-bad-option.yaml', line: 11, column: 20, path: 'train.shift[0].options.channels[0]', parts: ['must be >= 0', 'found -1'] },
      {
        file: 'plugin-bad-option.yaml',
        line: 12,
        column: 9,
        path: 'train.shift[0].options.strength',
        parts: ['unknown option "strength" of shift transform "color-invert"', 'Known options: channels.'],
      },
    ],
  },
  {
    spec: 'custom-tag.yaml',
    problems: [
      { file: 'custom-tag.yaml', line: 3, column: 7, path: 'name', parts: ['YAML tag !!js/function is not allowed', 'Remove the tag'] },
      { file: 'custom-tag.yaml', line: 7, column: 11, path: 'train.epochs', parts: ['YAML tag !shell is not allowed', 'never build objects from tags'] },
    ],
  },
];

function expectProblem(actual: SpecProblem | undefined, expected: ExpectedProblem): void {
  expect(actual?.location?.file).toBe(`configs/broken/${expected.file}`);
  expect(actual?.location?.line).toBe(expected.line);
  expect(actual?.location?.column).toBe(expected.column);
  expect(actual?.path).toBe(expected.path);
  for (const part of expected.parts) {
    if (typeof part === 'string') expect(actual?.message).toContain(part);
    else expect(actual?.message).toMatch(part);
  }
}

describe('broken specs in configs/broken', () => {
  it('are all covered by a case', () => {
    const files = readdirSync(brokenDir).filter((name) => name.endsWith('.yaml'));
    expect(files.sort()).toEqual(CASES.map((testCase) => testCase.spec).sort());
  });

  it.each(CASES)('$spec fails validation with located problems', async ({ spec, problems }) => {
    // Locations are relative to the working directory, which vitest sets to the repository root.
    expect(process.cwd()).toBe(repoRoot.replace(/\/$/, ''));
    const error = await loadSpec(`configs/broken/${spec}`).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SpecError);
    const actual = (error as SpecError).problems;
    expect(actual).toHaveLength(problems.length);
    problems.forEach((expected, i) => expectProblem(actual[i], expected));
  });
});

describe('csi validate on broken specs', () => {
  it.each(CASES)('$spec exits 2 with the messages and no stack trace', async ({ spec, problems }) => {
    expect(existsSync(cliFile), `${cliFile} is missing; run pnpm build first`).toBe(true);
    const result = await run(process.execPath, [cliFile, 'validate', `configs/broken/${spec}`], { cwd: repoRoot }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    for (const problem of problems) {
      expect(result.stderr).toContain(`configs/broken/${problem.file}:${problem.line}:${problem.column} ${problem.path || '(spec root)'}: `);
    }
    expect(result.stderr).toContain(`${problems.length} problem${problems.length === 1 ? '' : 's'} found.`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('never runs the code in a custom tag', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'csi-tag-'));
    const result = await run(process.execPath, [cliFile, 'validate', join(brokenDir, 'custom-tag.yaml')], { cwd }).then(
      () => ({ code: 0 }),
      (error: { code: number }) => error,
    );
    expect(result.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

import { SpecError, UsageError } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { toPlainValue, type SourceMap } from './source-tree.js';
import { parseArgumentValue, parseSpecText } from './yaml-reader.js';

const FILE = '/specs/example.yaml';

function problemsOf(text: string) {
  try {
    parseSpecText(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error('expected a SpecError');
}

describe('parseSpecText', () => {
  it('keeps the position of every key and value', () => {
    const root = parseSpecText('name: demo\ntrain:\n  epochs: 3\n  shift: [rotation, noise]\n', FILE) as SourceMap;
    expect(toPlainValue(root)).toEqual({ name: 'demo', train: { epochs: 3, shift: ['rotation', 'noise'] } });
    const train = root.entries.get('train');
    expect(train?.keyOrigin).toEqual({ kind: 'file', file: FILE, line: 2, column: 1 });
    if (train?.type !== 'map') throw new Error('train is not a map');
    expect(train.entries.get('epochs')?.origin).toEqual({ kind: 'file', file: FILE, line: 3, column: 11 });
    const shift = train.entries.get('shift');
    if (shift?.type !== 'sequence') throw new Error('shift is not a list');
    expect(shift.items[1]?.origin).toEqual({ kind: 'file', file: FILE, line: 4, column: 21 });
  });

  it('returns null for a file of comments only', () => {
    expect(parseSpecText('# nothing yet\n', FILE)).toBeNull();
  });

  it('reports a syntax error with the parser position', () => {
    const [problem, ...rest] = problemsOf('train:\n  epochs: 3\n batchSize: 16\n');
    expect(rest).toEqual([]);
    expect(problem?.location).toEqual({ file: FILE, line: 3, column: 1 });
    expect(problem?.message).toMatch(/^invalid YAML \(BAD_INDENT\): All mapping items must start at the same column\n/);
    expect(problem?.message).toContain('     batchSize: 16');
  });

  it('rejects a repeated key', () => {
    const [problem] = problemsOf('seed: 1\nseed: 2\n');
    expect(problem?.location).toMatchObject({ line: 2, column: 1 });
    expect(problem?.message).toMatch(/^invalid YAML \(DUPLICATE_KEY\): Map keys must be unique/);
  });

  it.each([
    ['!!js/function', 'name: !!js/function "function () {}"\n', 7],
    ['!shell', 'name: !shell ls\n', 7],
    ['!!binary', 'name: !!binary aGVsbG8=\n', 7],
    ['!!timestamp', 'name: !!timestamp 2001-12-14\n', 7],
  ])('rejects the tag %s at its position', (tag, text, column) => {
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem?.path).toBe('name');
    expect(problem?.location).toEqual({ file: FILE, line: 1, column });
    expect(problem?.message).toBe(
      `YAML tag ${tag} is not allowed: specs take plain values (maps, lists, strings, numbers, booleans, null) ` +
        'and never build objects from tags. Remove the tag.',
    );
  });

  it('accepts the core schema tags', () => {
    expect(toPlainValue(parseSpecText('name: !!str 5\nseed: !!int "3"\n', FILE)!)).toEqual({ name: '5', seed: 3 });
  });

  it('expands aliases', () => {
    expect(toPlainValue(parseSpecText('a: &shift [rotation]\nb: *shift\n', FILE)!)).toEqual({ a: ['rotation'], b: ['rotation'] });
  });

  it('stops an alias bomb', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`a${i}: &a${i} [${new Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const problems = problemsOf(`${levels.join('\n')}\n`);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.message).toBe('more than 100 alias expansions; write the values out');
  });

  it('rejects an infinite number', () => {
    const [problem] = problemsOf('train:\n  epochs: .inf\n');
    expect(problem?.path).toBe('train.epochs');
    expect(problem?.message).toBe('Infinity is not allowed; numbers must be finite');
  });
});

describe('parseArgumentValue', () => {
  const origin = { kind: 'argument', argument: '--set train.shift=[noise]' } as const;

  it('parses a YAML list with the argument as origin', () => {
    const node = parseArgumentValue('[noise]', origin);
    expect(toPlainValue(node)).toEqual(['noise']);
    if (node.type !== 'sequence') throw new Error('not a list');
    expect(node.items[0]?.origin).toBe(origin);
  });

  it('reads an empty value as null', () => {
    expect(toPlainValue(parseArgumentValue('', origin))).toBeNull();
  });

  it('rejects invalid YAML naming the argument', () => {
    const call = () => parseArgumentValue('[noise', origin);
    expect(call).toThrow(UsageError);
    expect(call).toThrow(/^--set train.shift=\[noise\]: the value is not valid YAML: /);
  });

  it('rejects a tag', () => {
    expect(() => parseArgumentValue('!shell ls', origin)).toThrow(/^--set train.shift=\[noise\]: YAML tag !shell is not allowed/);
  });
});

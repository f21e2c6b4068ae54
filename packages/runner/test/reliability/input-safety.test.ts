// Input that could do harm downstream: class names that break CSV or run as spreadsheet
// formulas, and code that could load without being listed. YAML tags are covered by the spec
// tests (configs/broken/custom-tag.yaml). The CSV run uses the built binary; needs `pnpm build`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecError } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeCsv } from '../../src/run/results.js';
import { loadSpec } from '../../src/spec/load.js';
import { alternatingLabels, assertBuilt, csi, tinySpecYaml, writeIdxData } from './run-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'csi-input-safety-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Splits RFC 4180 CSV text into records of fields, undoing the quoting. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

describe('escapeCsv', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+2', "'=1+2"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['=HYPERLINK("x"),\nb', `"'=HYPERLINK(""x""),\nb"`],
  ])('writes %j as %j', (value, expected) => {
    expect(escapeCsv(value)).toBe(expected);
  });
});

describe('scores.csv with a hostile class name', () => {
  const hostile = '=SUM(A1:A9),"total"\nnext';
  const runDir = join(work, 'run');

  beforeAll(async () => {
    assertBuilt();
    writeIdxData(join(work, 'data'), { train: alternatingLabels(32), test: alternatingLabels(12) });
    writeFileSync(join(work, 'spec.yaml'), tinySpecYaml({ dataRoot: join(work, 'data'), classNames: [hostile, 'squares'], epochs: 1, batchSize: 8 }));
    const result = await csi(work, 'run', 'spec.yaml', '--out', runDir);
    if (result.code !== 0) throw new Error(`the run failed:\n${result.stderr}`);
  });

  it('keeps one record per test image', () => {
    const records = parseCsv(readFileSync(join(runDir, 'scores.csv'), 'utf8'));
    expect(records[0]).toEqual(['index', 'label', 'class_name', 'is_normal', 'score']);
    expect(records).toHaveLength(13);
    expect(records.every((record) => record.length === 5)).toBe(true);
  });

  it('quotes the name and defuses the formula', () => {
    const records = parseCsv(readFileSync(join(runDir, 'scores.csv'), 'utf8')).slice(1);
    for (const [index, label, className, isNormal] of records) {
      expect(className, `row ${index}`).toBe(label === '0' ? `'${hostile}` : 'squares');
      expect(isNormal).toBe(label === '0' ? '1' : '0');
    }
    expect(readFileSync(join(runDir, 'scores.csv'), 'utf8')).toContain(`,"'=SUM(A1:A9),""total""\nnext",`);
  });

  it('keeps the report protocol line on one line', () => {
    const report = readFileSync(join(runDir, 'report.md'), 'utf8');
    expect(report).toContain(`- protocol: one-class: normal = 0 (=SUM(A1:A9),"total" next)\n`);
  });
});

describe('plugin loading', () => {
  // A package in node_modules beside the spec, which would be found if plugins were discovered.
  // Importing it writes a marker file, which shows whether its code ever ran.
  const folder = join(work, 'plugin-discovery');
  const marker = join(folder, 'imported.txt');

  beforeAll(() => {
    const packageDir = join(folder, 'node_modules', 'csi-plugin-marker');
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name: 'csi-plugin-marker', type: 'module', exports: './index.js' }));
    writeFileSync(
      join(packageDir, 'index.js'),
      [
        "import { writeFileSync } from 'node:fs';",
        `writeFileSync(${JSON.stringify(marker)}, 'imported');`,
        'export function register(registrar) {',
        "  registrar.add({ kind: 'metric', name: 'marker-metric', summary: 'Always 0.5.',",
        "    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },",
        '    create: () => ({ compute: () => 0.5 }) });',
        '}',
      ].join('\n'),
    );
    const spec = (plugins: string) =>
      `name: discovery\nplugins: ${plugins}\ndata:\n  dataset: fashion-mnist\ntrain:\n  epochs: 1\neval:\n  metrics: [auroc, marker-metric]\n`;
    writeFileSync(join(folder, 'unlisted.yaml'), spec('[]'));
    writeFileSync(join(folder, 'listed.yaml'), spec('[csi-plugin-marker]'));
  });

  it('never imports a package the spec does not list', async () => {
    const error = await loadSpec(join(folder, 'unlisted.yaml')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems.map((problem) => problem.path)).toEqual(['eval.metrics[1]']);
    expect((error as SpecError).message).toContain('unknown metric "marker-metric"');
    expect(existsSync(marker)).toBe(false);
  });

  it('imports a package the spec lists', async () => {
    const loaded = await loadSpec(join(folder, 'listed.yaml'));
    expect(loaded.spec.eval.metrics).toEqual(['auroc', 'marker-metric']);
    expect(existsSync(marker)).toBe(true);
  });
});

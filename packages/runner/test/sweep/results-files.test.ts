import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SweepColumn } from '../../src/sweep/cells.js';
import { buildSweepReport, formatAggregateText, formatResultsMarkdown, formatSummary, formatValue, type CellRecord } from '../../src/sweep/report.js';
import { formatAggregateCsv, formatResultsCsv, formatResultsJson, writeSweepResults } from '../../src/sweep/results-files.js';

const columns: SweepColumn[] = [
  { name: 'seed', paths: ['seed'], labelled: false, aggregated: true },
  { name: 'note', paths: ['name'], labelled: false, aggregated: false },
  { name: 'offset', paths: ['train.optimizer.learningRate'], labelled: false, aggregated: false },
];

function record(index: number, values: unknown[], extra: Partial<CellRecord>): CellRecord {
  return { id: `cell-${index}`, index, columnValues: values, values: { seed: values[0], name: values[1] }, status: 'pending', ...extra };
}

const report = buildSweepReport({
  name: 'escapes',
  specFile: 'configs/x.yaml',
  outDir: 'runs/x',
  updated: '2025-01-01T00:00:00.000Z',
  columns,
  aggregateOver: ['seed'],
  cells: [
    record(0, [0, 'a,b', -0.5], { status: 'done', metrics: { auroc: 0.75, aupr: 0.5 }, seconds: 12.5 }),
    record(1, [1, 'a,b', -0.5], { status: 'done', metrics: { auroc: 0.25, aupr: 0.5 }, seconds: 10, trainedIn: 'cell-0' }),
    record(2, [0, 'say "hi"\nthen | go', 2], { status: 'failed', error: 'loss is NaN, at epoch 3; lower "learningRate"' }),
    record(3, [1, '=SUM(A1)', 2], {}),
  ],
});

/** Parses CSV as RFC 4180 describes it: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
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
      row.push(field);
      field = '';
    } else if (char === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  return rows;
}

describe('results.csv', () => {
  const text = formatResultsCsv(report);
  const rows = parseCsv(text);

  it('has one header and one row per cell', () => {
    expect(rows[0]).toEqual(['cell', 'status', 'seed', 'note', 'offset', 'auroc', 'aupr', 'seconds', 'trained_in', 'error']);
    expect(rows).toHaveLength(5);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('quotes a field with a comma', () => {
    expect(text.split('\n')[1]).toBe('cell-0,done,0,"a,b",-0.5,0.75,0.5,12.5,,');
    expect(rows[2]).toEqual(['cell-1', 'done', '1', 'a,b', '-0.5', '0.25', '0.5', '10', 'cell-0', '']);
  });

  it('doubles quotes and keeps a line break inside quotes', () => {
    expect(text).toContain('cell-2,failed,0,"say ""hi""\nthen | go",2,,,,,"loss is NaN, at epoch 3; lower ""learningRate"""\n');
    expect(rows[3]).toEqual(['cell-2', 'failed', '0', 'say "hi"\nthen | go', '2', '', '', '', '', 'loss is NaN, at epoch 3; lower "learningRate"']);
  });

  it('defuses a text field that a spreadsheet would run', () => {
    expect(rows[4]![3]).toBe("'=SUM(A1)");
  });

  it('writes negative numbers as numbers', () => {
    expect(rows[1]![4]).toBe('-0.5');
  });
});

describe('aggregate', () => {
  it('groups the cells by the values not aggregated over', () => {
    expect(report.aggregate.map((row) => [row.columnValues, row.finished, row.cellCount])).toEqual([
      [['a,b', -0.5], 2, 2],
      [['say "hi"\nthen | go', 2], 0, 1],
      [['=SUM(A1)', 2], 0, 1],
    ]);
  });

  it('writes mean and sample std to aggregate.csv', () => {
    const rows = parseCsv(formatAggregateCsv(report));
    expect(rows[0]).toEqual(['note', 'offset', 'n', 'cells', 'auroc_mean', 'auroc_std', 'aupr_mean', 'aupr_std']);
    // auroc 0.75 and 0.25: mean 0.5, sample std sqrt(2 · 0.0625 / 1) = sqrt(0.125).
    expect(rows[1]).toEqual(['a,b', '-0.5', '2', '2', '0.5', String(Math.sqrt(0.125)), '0.5', '0']);
    expect(rows[2]).toEqual(['say "hi"\nthen | go', '2', '0', '1', '', '', '', '']);
  });

  it('prints mean ± std, n and the aggregated columns', () => {
    const text = formatAggregateText(report);
    const [heading, first] = text.split('\n');
    expect(heading!.split(/\s{2,}/)).toEqual(['note', 'offset', 'n', 'auroc', 'aupr']);
    expect(first!.split(/\s{2,}/)).toEqual(['a,b', '-0.5', '2', '0.5000 ± 0.3536', '0.5000 ± 0']);
    expect(text).toContain('over seed; n counts the finished cells of the row.');
  });
});

describe('results.md', () => {
  const markdown = formatResultsMarkdown(report);

  it('counts cells by status', () => {
    expect(markdown).toContain('4 cells: 2 finished, 1 failed, 1 pending.');
  });

  it('escapes pipes and line breaks in table cells', () => {
    expect(markdown).toContain('| say "hi" then \\| go | 2 | 0 of 1 | n/a | n/a |');
  });

  it('lists failed cells with their errors', () => {
    expect(markdown).toContain('## Failed cells\n\n- cell-2: loss is NaN, at epoch 3; lower "learningRate"');
  });

  it('shows which cell trained a model', () => {
    expect(markdown).toContain('| cell-1 | done | 1 | a,b | -0.5 | 0.2500 | 0.5000 | 10 | cell-0 |');
  });
});

describe('results.json', () => {
  it('holds values, metrics and the aggregate', () => {
    const json = JSON.parse(formatResultsJson(report));
    expect(json.cells[1]).toEqual({
      id: 'cell-1',
      status: 'done',
      values: { seed: 1, name: 'a,b' },
      columns: { seed: 1, note: 'a,b', offset: -0.5 },
      metrics: { auroc: 0.25, aupr: 0.5 },
      seconds: 10,
      trainedIn: 'cell-0',
      error: null,
    });
    expect(json.aggregate[0]).toEqual({
      columns: { note: 'a,b', offset: -0.5 },
      n: 2,
      cells: 2,
      metrics: { auroc: { n: 2, mean: 0.5, std: Math.sqrt(0.125) }, aupr: { n: 2, mean: 0.5, std: 0 } },
    });
    expect(json.aggregate[1].metrics.auroc).toEqual({ n: 0, mean: null, std: null });
  });
});

describe('writeSweepResults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csi-sweep-results-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the four files and no temporary ones', () => {
    const written = writeSweepResults(dir, report);
    expect(written.map((path) => path.slice(dir.length + 1))).toEqual(['results.md', 'results.csv', 'aggregate.csv', 'results.json']);
    expect(readdirSync(dir).sort()).toEqual(['aggregate.csv', 'results.csv', 'results.json', 'results.md']);
    expect(readFileSync(join(dir, 'results.csv'), 'utf8')).toBe(formatResultsCsv(report));
  });
});

describe('value formatting', () => {
  it.each([
    [[0, 1], '[0, 1]'],
    [{ name: 'rotation', options: {} }, 'rotation'],
    [{ name: 'rotation', options: { quarterTurns: [0, 2] } }, 'rotation {quarterTurns: [0, 2]}'],
    [[{ name: 'con-si', weight: 1, options: {} }, { name: 'cls-si', weight: 0.5, options: {} }], '[con-si, 0.5·cls-si]'],
    [{ samples: 10 }, '{samples: 10}'],
    [null, 'null'],
  ])('%j as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it('formats summaries', () => {
    expect(formatSummary({ n: 2, mean: 0.5, std: 0.25 })).toBe('0.5000 ± 0.2500');
    expect(formatSummary({ n: 1, mean: 0.123456, std: null })).toBe('0.1235');
    expect(formatSummary({ n: 0, mean: null, std: null })).toBe('n/a');
  });
});

import { join } from 'node:path';
import { writeFileAtomic } from '../run/atomic-write.js';
import { escapeCsv } from '../run/results.js';
import { formatResultsMarkdown, formatValue, type SweepReport } from './report.js';

/** File names of a sweep's results, in its output folder. */
export const SWEEP_RESULT_FILES = ['results.md', 'results.csv', 'aggregate.csv', 'results.json'] as const;

/**
 * Writes results.md, results.csv (one row per cell), aggregate.csv (one row per group) and
 * results.json into the sweep folder. Each file is replaced atomically, so a sweep killed while
 * writing leaves the previous complete version. Returns the paths written.
 */
export function writeSweepResults(outDir: string, report: SweepReport): string[] {
  const contents: Record<(typeof SWEEP_RESULT_FILES)[number], string> = {
    'results.md': formatResultsMarkdown(report),
    'results.csv': formatResultsCsv(report),
    'aggregate.csv': formatAggregateCsv(report),
    'results.json': formatResultsJson(report),
  };
  return SWEEP_RESULT_FILES.map((name) => {
    const path = join(outDir, name);
    writeFileAtomic(path, contents[name]);
    return path;
  });
}

/**
 * One row per cell: id, status, one column per swept value, the metrics, seconds, the cell it
 * took its trained model from, and the error of a failed cell. Text fields are quoted as RFC
 * 4180 specifies (lines end in LF, like scores.csv); numbers are written in full precision.
 */
export function formatResultsCsv(report: SweepReport): string {
  const header = ['cell', 'status', ...report.columns.map((column) => column.name), ...report.metricNames, 'seconds', 'trained_in', 'error'];
  const rows = report.cells.map((cell) => [
    csvText(cell.id),
    cell.status,
    ...cell.columnValues.map(csvValue),
    ...report.metricNames.map((name) => csvNumber(cell.metrics?.[name])),
    csvNumber(cell.seconds),
    csvText(cell.trainedIn ?? ''),
    csvText(cell.error ?? ''),
  ]);
  return formatCsv(header.map(csvText), rows);
}

/** Formats aggregate.csv: one row per group, with its values, n, and each metric's mean and sample std. */
export function formatAggregateCsv(report: SweepReport): string {
  const groupColumns = report.columns.filter((column) => !column.aggregated);
  const header = [
    ...groupColumns.map((column) => column.name),
    'n',
    'cells',
    ...report.metricNames.flatMap((name) => [`${name}_mean`, `${name}_std`]),
  ];
  const rows = report.aggregate.map((row) => [
    ...row.columnValues.map(csvValue),
    String(row.finished),
    String(row.cellCount),
    ...report.metricNames.flatMap((name) => [csvNumber(row.metrics[name]?.mean ?? undefined), csvNumber(row.metrics[name]?.std ?? undefined)]),
  ]);
  return formatCsv(header.map(csvText), rows);
}

/** Formats the whole report as JSON: the sweep, its columns, every cell with its values, and the aggregate table. */
export function formatResultsJson(report: SweepReport): string {
  const groupColumns = report.columns.filter((column) => !column.aggregated);
  const json = {
    name: report.name,
    spec: report.specFile,
    outDir: report.outDir,
    updated: report.updated,
    aggregateOver: report.aggregateOver,
    columns: report.columns,
    metrics: report.metricNames,
    cells: report.cells.map((cell) => ({
      id: cell.id,
      status: cell.status,
      values: cell.values,
      columns: Object.fromEntries(report.columns.map((column, i) => [column.name, cell.columnValues[i]])),
      metrics: cell.metrics ?? null,
      seconds: cell.seconds ?? null,
      trainedIn: cell.trainedIn ?? null,
      error: cell.error ?? null,
    })),
    aggregate: report.aggregate.map((row) => ({
      columns: Object.fromEntries(groupColumns.map((column, i) => [column.name, row.columnValues[i]])),
      n: row.finished,
      cells: row.cellCount,
      metrics: row.metrics,
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${[header, ...rows].map((row) => row.join(',')).join('\n')}\n`;
}

// Numbers stay numbers: escapeCsv would prefix a leading "-" against spreadsheet formulas.
function csvValue(value: unknown): string {
  return typeof value === 'number' ? csvNumber(value) : csvText(formatValue(value));
}

function csvNumber(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : String(value);
}

function csvText(text: string): string {
  return escapeCsv(text);
}

import { aggregateCells, type AggregateRow, type MetricSummary } from './aggregate.js';
import type { SweepColumn } from './cells.js';

export type CellStatus = 'done' | 'failed' | 'pending';

/** Entry of one cell in the results files. */
export interface CellRecord {
  id: string;
  /** 0-based position in the sweep. */
  index: number;
  /** Per column of the report: the label or the value. */
  columnValues: unknown[];
  /** Spec path → value, for every value the cell sets. */
  values: Record<string, unknown>;
  status: CellStatus;
  metrics?: Record<string, number>;
  /** Wall time of the cell's run. */
  seconds?: number;
  /** Id of the cell whose trained model this cell scored, when it did not train its own. */
  trainedIn?: string;
  /** Error message of a failed cell. */
  error?: string;
}

/** Everything the results files hold. */
export interface SweepReport {
  name: string;
  specFile: string;
  outDir: string;
  /** When the report was made, ISO 8601. */
  updated: string;
  columns: SweepColumn[];
  aggregateOver: string[];
  cells: CellRecord[];
  /** Metric names in the order of the first finished cell, then any others. */
  metricNames: string[];
  aggregate: AggregateRow[];
}

/** Builds the report of a sweep from its cells' records: the metric names and the aggregate table. */
export function buildSweepReport(input: Omit<SweepReport, 'metricNames' | 'aggregate'>): SweepReport {
  const metricNames = [...new Set(input.cells.flatMap((cell) => Object.keys(cell.metrics ?? {})))];
  const aggregate = aggregateCells(
    input.columns,
    input.cells.map((cell) => ({ columnValues: cell.columnValues, metrics: cell.status === 'done' ? cell.metrics : undefined })),
    metricNames,
  );
  return { ...input, metricNames, aggregate };
}

/**
 * Formats a swept value for tables: scalars as written, lists as `[0, 1]`, a component as its
 * name (with its options when it has any, `rotation {quarterTurns: [0, 2]}`), a loss term with a
 * weight other than 1 as `0.5·cls-si`.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value !== 'object') return String(value);
  const record = value as Record<string, unknown>;
  if (typeof record.name !== 'string') return formatMap(record);

  const weight = typeof record.weight === 'number' && record.weight !== 1 ? `${record.weight}·` : '';
  const rest = Object.entries(record).filter(
    ([key, item]) => key !== 'name' && key !== 'weight' && !(key === 'options' && isEmptyMap(item)),
  );
  const options = rest.length === 1 && rest[0]![0] === 'options' ? (rest[0]![1] as Record<string, unknown>) : Object.fromEntries(rest);
  return `${weight}${record.name}${isEmptyMap(options) ? '' : ` ${formatMap(options)}`}`;
}

function formatMap(record: Record<string, unknown>): string {
  return `{${Object.entries(record)
    .map(([key, item]) => `${key}: ${formatValue(item)}`)
    .join(', ')}}`;
}

function isEmptyMap(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** `0.9012 ± 0.0123`; the mean alone when n < 2, and `n/a` when no run finished. */
export function formatSummary(summary: MetricSummary | undefined): string {
  if (!summary || summary.mean === null) return 'n/a';
  if (summary.std === null) return formatNumber(summary.mean);
  return `${formatNumber(summary.mean)} ± ${formatNumber(summary.std)}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

/** `n` of an aggregate row: the finished cells, with the group's size when some are not finished. */
function formatCount(row: AggregateRow): string {
  return row.finished === row.cellCount ? String(row.finished) : `${row.finished} of ${row.cellCount}`;
}

function groupColumns(report: SweepReport): SweepColumn[] {
  return report.columns.filter((column) => !column.aggregated);
}

/** Headings and rows of the aggregate table, as text. */
function aggregateTable(report: SweepReport): { headings: string[]; rows: string[][] } {
  const columns = groupColumns(report);
  const headings = [...(columns.length === 0 ? ['cells'] : columns.map((column) => column.name)), 'n', ...report.metricNames];
  const rows = report.aggregate.map((row) => [
    ...(columns.length === 0 ? ['all'] : row.columnValues.map(formatValue)),
    formatCount(row),
    ...report.metricNames.map((name) => formatSummary(row.metrics[name])),
  ]);
  return { headings, rows };
}

function describeAggregation(report: SweepReport): string {
  const averaged = report.columns.filter((column) => column.aggregated).map((column) => column.name);
  const over = averaged.length === 0 ? 'nothing (no swept path is listed in aggregateOver), so each row is one cell' : averaged.join(' and ');
  return `Mean ± sample standard deviation (divisor n − 1) over ${over}; n counts the finished cells of the row.`;
}

/** Formats the aggregate table as aligned plain text for a terminal. */
export function formatAggregateText(report: SweepReport): string {
  const { headings, rows } = aggregateTable(report);
  const widths = headings.map((heading, i) => Math.max(heading.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headings), ...rows.map(line), '', describeAggregation(report)].join('\n');
}

/** Formats results.md: a summary line, the aggregate table, every cell, and the failures. */
export function formatResultsMarkdown(report: SweepReport): string {
  const counts = countStatuses(report.cells);
  const aggregate = aggregateTable(report);
  const cellHeadings = ['cell', 'status', ...report.columns.map((column) => column.name), ...report.metricNames, 'seconds', 'trained in'];
  const cellRows = report.cells.map((cell) => [
    cell.id,
    cell.status,
    ...cell.columnValues.map(formatValue),
    ...report.metricNames.map((name) => (cell.metrics?.[name] === undefined ? '' : formatNumber(cell.metrics[name]!))),
    cell.seconds === undefined ? '' : cell.seconds.toFixed(0),
    cell.trainedIn ?? '',
  ]);
  const lines = [
    `# Sweep ${report.name}`,
    '',
    `Spec \`${report.specFile}\`; ${report.cells.length} cells: ${counts.done} finished, ${counts.failed} failed, ${counts.pending} pending. Updated ${report.updated}.`,
    '',
    '## Aggregate',
    '',
    describeAggregation(report),
    '',
    ...markdownTable(aggregate.headings, aggregate.rows),
    '',
    '## Cells',
    '',
    `Each cell's run folder is \`cells/<cell>/\`. A cell with "trained in" scored the model trained by that cell.`,
    '',
    ...markdownTable(cellHeadings, cellRows),
  ];
  const failed = report.cells.filter((cell) => cell.status === 'failed');
  if (failed.length > 0) {
    lines.push('', '## Failed cells', '', ...failed.map((cell) => `- ${cell.id}: ${escapeMarkdownCell(cell.error ?? 'unknown error')}`));
  }
  return `${lines.join('\n')}\n`;
}

function markdownTable(headings: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const row = (cells: readonly string[]) => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
  return [row(headings), row(headings.map(() => '---')), ...rows.map(row)];
}

function escapeMarkdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function countStatuses(cells: readonly CellRecord[]): Record<CellStatus, number> {
  const counts: Record<CellStatus, number> = { done: 0, failed: 0, pending: 0 };
  for (const cell of cells) counts[cell.status] += 1;
  return counts;
}

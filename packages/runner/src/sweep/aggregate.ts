import { canonicalJson } from './cell-id.js';
import type { SweepColumn } from './cells.js';

/** Mean and sample standard deviation of n finished runs. */
export interface MetricSummary {
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** Sample standard deviation (divisor n − 1); null when n < 2. */
  std: number | null;
}

/**
 * Summarises the values of one metric over runs. The standard deviation is the sample one
 * (divisor n − 1), the usual spread over seeds and classes in papers. Non-finite values are
 * left out and not counted.
 */
export function summariseRuns(values: readonly number[]): MetricSummary {
  const finite = values.filter((value) => Number.isFinite(value));
  const n = finite.length;
  if (n === 0) return { n, mean: null, std: null };
  const mean = finite.reduce((sum, value) => sum + value, 0) / n;
  if (n < 2) return { n, mean, std: null };
  const squares = finite.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return { n, mean, std: Math.sqrt(squares / (n - 1)) };
}

/** What the aggregation needs of one cell. */
export interface AggregateInput {
  columnValues: readonly unknown[];
  /** Metrics of a finished cell; undefined for a pending or failed one. */
  metrics: Readonly<Record<string, number>> | undefined;
}

/** One row of the aggregate table: the cells that share every value not in `aggregateOver`. */
export interface AggregateRow {
  /** Per non-aggregated column (the order of `groupColumns`), the shared value or label. */
  columnValues: unknown[];
  /** Cells in the group, finished or not. */
  cellCount: number;
  /** Cells in the group with metrics. */
  finished: number;
  metrics: Record<string, MetricSummary>;
}

/**
 * Groups cells by the values of the columns that are not aggregated over, in order of first
 * appearance, and summarises each metric of the finished cells in each group.
 */
export function aggregateCells(
  columns: readonly SweepColumn[],
  cells: readonly AggregateInput[],
  metricNames: readonly string[],
): AggregateRow[] {
  const groupIndices = columns.flatMap((column, index) => (column.aggregated ? [] : [index]));
  const groups = new Map<string, { columnValues: unknown[]; members: AggregateInput[] }>();
  for (const cell of cells) {
    const columnValues = groupIndices.map((index) => cell.columnValues[index]);
    const key = canonicalJson(columnValues);
    const group = groups.get(key) ?? { columnValues, members: [] };
    group.members.push(cell);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ columnValues, members }) => {
    const finished = members.filter((member) => member.metrics !== undefined);
    const metrics: Record<string, MetricSummary> = {};
    for (const name of metricNames) {
      metrics[name] = summariseRuns(finished.flatMap((member) => (member.metrics?.[name] === undefined ? [] : [member.metrics[name]!])));
    }
    return { columnValues, cellCount: members.length, finished: finished.length, metrics };
  });
}

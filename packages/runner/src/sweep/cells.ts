import type { SpecPathSegment } from '../spec/source-tree.js';
import { formatBlockPath, type SweepAxis, type SweepBlockProblem } from './axes.js';
import { canonicalJson, formatCellId, sanitise, slugValue } from './cell-id.js';

/**
 * One column of the results tables. A labelled zip group is one column of labels; every other
 * swept path is a column of its own.
 */
export interface SweepColumn {
  /** Heading: the group name, or the shortest unambiguous form of the path (`normalClasses`). */
  name: string;
  /** The spec paths behind the column. */
  paths: string[];
  /** The column holds labels rather than values. */
  labelled: boolean;
  /** Every path of the column is listed in `aggregateOver`, so the aggregate table averages over it. */
  aggregated: boolean;
}

/** One spec value that a cell sets, as `--set path=value` would. */
export interface CellAssignment {
  path: string;
  segments: SpecPathSegment[];
  value: unknown;
  /** Where the value is written inside the sweep block, e.g. `['grid', 'seed', 1]`. */
  source: SpecPathSegment[];
}

/** One run of the sweep: the values it sets and the id of its folder. */
export interface SweepCell {
  /** 0-based position in the sweep's order. */
  index: number;
  /** Folder name under `cells/`, made from the values: `normalClasses-0_rotation-shift`. */
  id: string;
  assignments: CellAssignment[];
  /** Per column (same order as the plan's columns): the label or the value. */
  columnValues: unknown[];
}

/**
 * Builds the table columns of the axes. A path column is headed by the last key of its path,
 * or by the whole path when two columns would share that key.
 */
export function buildColumns(axes: readonly SweepAxis[], aggregateOver: readonly string[]): SweepColumn[] {
  const replicates = new Set(aggregateOver);
  const columns: (SweepColumn & { shortName: string })[] = [];
  for (const axis of axes) {
    const aggregated = axis.paths.every((path) => replicates.has(path));
    if (axis.labels) {
      const name = axis.name ?? axis.paths.join('+');
      columns.push({ name, shortName: name, paths: axis.paths, labelled: true, aggregated });
      continue;
    }
    axis.paths.forEach((path, p) => {
      const segments = axis.segments[p]!;
      const lastKey = [...segments].reverse().find((segment): segment is string => typeof segment === 'string') ?? path;
      columns.push({
        name: path,
        shortName: lastKey,
        paths: [path],
        labelled: false,
        aggregated: replicates.has(path),
      });
    });
  }
  const counts = new Map<string, number>();
  for (const column of columns) counts.set(column.shortName, (counts.get(column.shortName) ?? 0) + 1);
  return columns.map(({ shortName, ...column }) => ({
    ...column,
    name: column.labelled || counts.get(shortName) === 1 ? shortName : column.name,
  }));
}

/**
 * Expands the axes into cells: the cartesian product, the first axis varying slowest (as nested
 * loops in the order written). Each cell's id joins one part per column, `<column>-<value>` or
 * `<group>-<label>`, so an id depends only on the cell's own values: adding a value to an axis
 * leaves the ids (and folders) of the existing cells unchanged. Returns a problem when two cells
 * would share an id.
 */
export function expandCells(
  axes: readonly SweepAxis[],
  columns: readonly SweepColumn[],
): { cells: SweepCell[]; problems: SweepBlockProblem[] } {
  const total = axes.reduce((product, axis) => product * axis.length, 1);
  const cells: SweepCell[] = [];
  for (let index = 0; index < total; index++) {
    const items = itemIndices(index, axes);
    const assignments: CellAssignment[] = [];
    const columnValues: unknown[] = [];
    const parts: string[] = [];
    axes.forEach((axis, a) => {
      const item = items[a]!;
      axis.paths.forEach((path, p) => {
        assignments.push({
          path,
          segments: axis.segments[p]!,
          value: axis.values[p]![item],
          source: [...axis.listSources[p]!, item],
        });
      });
      if (axis.labels) {
        const label = axis.labels[item]!;
        columnValues.push(label);
        parts.push(axis.name === undefined ? label : `${axis.name}-${label}`);
      } else {
        axis.paths.forEach((_, p) => {
          const value = axis.values[p]![item];
          columnValues.push(value);
          parts.push(`${sanitise(columns[columnValues.length - 1]!.name)}-${slugValue(value)}`);
        });
      }
    });
    cells.push({ index, id: formatCellId(parts), assignments, columnValues });
  }
  return { cells, problems: findSharedIds(cells) };
}

/** Item index of each axis for cell `index`; the last axis varies fastest. */
function itemIndices(index: number, axes: readonly SweepAxis[]): number[] {
  const items = new Array<number>(axes.length);
  let rest = index;
  for (let a = axes.length - 1; a >= 0; a--) {
    const length = axes[a]!.length;
    items[a] = rest % length;
    rest = Math.floor(rest / length);
  }
  return items;
}

// Ids are compared without case, because the folders of two cells must differ on file systems
// that ignore case (macOS, Windows).
function findSharedIds(cells: readonly SweepCell[]): SweepBlockProblem[] {
  const firstById = new Map<string, SweepCell>();
  const problems: SweepBlockProblem[] = [];
  for (const cell of cells) {
    const key = cell.id.toLowerCase();
    const first = firstById.get(key);
    if (!first) {
      firstById.set(key, cell);
      continue;
    }
    const differing = cell.assignments.filter((assignment, i) => canonicalJson(assignment.value) !== canonicalJson(first.assignments[i]!.value));
    const where = differing.map((assignment) => formatBlockPath(assignment.source.slice(0, -1))).join(', ');
    problems.push({
      at: [],
      message:
        `cells ${first.index + 1} and ${cell.index + 1} would both get the id "${cell.id}": their values differ ` +
        `(${where}) only in what ids leave out, component options or characters other than letters, digits, ".", "_", "+" and "-". ` +
        'Name the values with labels: move the path into a zip group with labels: [...]',
    });
  }
  return problems;
}

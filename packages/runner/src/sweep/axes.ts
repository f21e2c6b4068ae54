import { UsageError } from '@csi/core';
import { parseSpecPath } from '../spec/overrides.js';
import type { SpecPathSegment } from '../spec/source-tree.js';
import type { SweepSettings } from './settings.js';

/**
 * One factor of the sweep's cartesian product: a `grid` entry (one path) or a `zip` group (paths
 * that vary together). Item i of the axis sets every path to its i-th value.
 */
export interface SweepAxis {
  /** Place of the axis inside the sweep block: `['grid', 'seed']` or `['zip', 0]`. */
  source: SpecPathSegment[];
  /** The spec paths the axis sets, as written (`protocol.options.normalClasses`). */
  paths: string[];
  /** `paths`, parsed. */
  segments: SpecPathSegment[][];
  /** Place of each path's list inside the sweep block. */
  listSources: SpecPathSegment[][];
  /** `values[p][i]`: the value that item i gives to path p. */
  values: unknown[][];
  /** Number of items. */
  length: number;
  /** Names of the items, for a labelled zip group. */
  labels?: string[];
  /** Heading of the labels, for a labelled zip group. */
  name?: string;
}

/** A problem in the sweep block, at `at` inside it (`['zip', 0, 'labels']`). */
export interface SweepBlockProblem {
  at: SpecPathSegment[];
  message: string;
  /** Locate the problem at the key `at` names rather than at its value (an unknown key). */
  atKey?: boolean;
}

/**
 * Turns the validated sweep block into axes, in the order written: the grid entries, then the zip
 * groups. It also checks the rules that the schema cannot express. Each key must be a spec path,
 * and no path may be swept twice or inside another swept path. The lists of a zip group need one
 * length, and a group needs one label per item.
 */
export function buildAxes(settings: SweepSettings): { axes: SweepAxis[]; problems: SweepBlockProblem[] } {
  const axes: SweepAxis[] = [];
  const problems: SweepBlockProblem[] = [];

  for (const [path, list] of Object.entries(settings.grid ?? {})) {
    const segments = parsePath(path, ['grid', path], problems);
    axes.push({
      source: ['grid', path],
      paths: [path],
      segments: [segments ?? []],
      listSources: [['grid', path]],
      values: [list],
      length: list.length,
    });
  }

  (settings.zip ?? []).forEach((group, index) => {
    const entries = Object.entries(group.values);
    const lengths = entries.map(([, list]) => list.length);
    const length = lengths[0] ?? 0;
    const [firstPath] = entries[0] ?? [''];
    entries.forEach(([path, list]) => {
      if (list.length !== length) {
        problems.push({
          at: ['zip', index, 'values', path],
          message:
            `has ${list.length} values but "${firstPath}" in the same group has ${length}; ` +
            'the lists of a zip group vary together, so they need the same length',
        });
      }
    });
    if (group.labels && group.labels.length !== length) {
      problems.push({
        at: ['zip', index, 'labels'],
        message: `has ${group.labels.length} labels for ${length} values; give one label per value`,
      });
    }
    const axis: SweepAxis = {
      source: ['zip', index],
      paths: entries.map(([path]) => path),
      segments: entries.map(([path]) => parsePath(path, ['zip', index, 'values', path], problems) ?? []),
      listSources: entries.map(([path]) => ['zip', index, 'values', path]),
      values: entries.map(([, list]) => list),
      length: Math.min(...lengths),
    };
    if (group.labels) axis.labels = group.labels;
    if (group.name !== undefined) axis.name = group.name;
    axes.push(axis);
  });

  if (axes.length === 0) {
    problems.push({
      at: [],
      message: 'has no grid entries and no zip groups, so it has no cells; add one, e.g. grid: { seed: [0, 1, 2] }',
    });
  }
  problems.push(...findOverlappingPaths(axes));
  settings.aggregateOver.forEach((path, index) => parsePath(path, ['aggregateOver', index], problems));
  settings.scoringOnly.forEach((path, index) => parsePath(path, ['scoringOnly', index], problems));
  return { axes, problems };
}

/** Parses a path written in the sweep block, recording a problem when it is not a spec path. */
function parsePath(path: string, at: SpecPathSegment[], problems: SweepBlockProblem[]): SpecPathSegment[] | undefined {
  const argument = 'sweep';
  try {
    const segments = parseSpecPath(path, argument);
    if (segments[0] === 'sweep') {
      problems.push({ at, message: `"${path}" lies inside the sweep block; a cell can set any spec path except the sweep block itself` });
      return undefined;
    }
    return segments;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // parseSpecPath prefixes its message with the argument, which the problem's path replaces.
    problems.push({ at, message: error.message.replace(/^sweep: /, '') });
    return undefined;
  }
}

/** Reports a path swept twice, or swept inside another swept path (`train.loss` and `train.loss[0].weight`). */
function findOverlappingPaths(axes: readonly SweepAxis[]): SweepBlockProblem[] {
  const seen: { path: string; segments: SpecPathSegment[]; at: SpecPathSegment[] }[] = [];
  const problems: SweepBlockProblem[] = [];
  for (const axis of axes) {
    axis.paths.forEach((path, p) => {
      const segments = axis.segments[p]!;
      const at = axis.listSources[p]!;
      if (segments.length === 0) return;
      for (const earlier of seen) {
        const shorter = Math.min(earlier.segments.length, segments.length);
        const overlaps = earlier.segments.slice(0, shorter).every((segment, i) => segment === segments[i]);
        if (!overlaps) continue;
        const where = formatBlockPath(earlier.at);
        problems.push({
          at,
          message:
            earlier.segments.length === segments.length
              ? `sweeps ${path}, which ${where} sweeps already; sweep each path once`
              : `sweeps ${path}, which overlaps ${earlier.path} swept by ${where}; one value would overwrite the other, so sweep only one of them`,
        });
      }
      seen.push({ path, segments, at });
    });
  }
  return problems;
}

/**
 * Formats a place inside the sweep block for messages: `sweep.grid["protocol.options.normalClasses"][1]`.
 * Keys that are not plain words are quoted, because grid keys are themselves dotted paths.
 */
export function formatBlockPath(at: readonly SpecPathSegment[]): string {
  let text = 'sweep';
  for (const segment of at) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

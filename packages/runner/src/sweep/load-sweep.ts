import type { ErrorObject } from 'ajv';
import { stringify } from 'yaml';
import { SpecError, suggestClosest, UsageError, type ComponentRegistry, type SpecLocation, type SpecProblem } from '@csi/core';
import { readSpecWithParents } from '../spec/extends.js';
import { loadSpec } from '../spec/load.js';
import { normaliseComponents } from '../spec/normalise.js';
import { applyOverride, parseSpecPath, type SpecOverride } from '../spec/overrides.js';
import { displayPath, findClosestNode, locationOf, toPlainValue, type SourceNode, type SpecPathSegment } from '../spec/source-tree.js';
import type { ExperimentSpec } from '../spec/types.js';
import { createSchemaValidator, describeOptionsError } from '../spec/validate.js';
import { buildAxes, formatBlockPath, type SweepBlockProblem } from './axes.js';
import { canonicalJson, shortHash } from './cell-id.js';
import { buildColumns, expandCells, type SweepCell, type SweepColumn } from './cells.js';
import { SWEEP_SCHEMA, type SweepSettings } from './settings.js';

/** A cell whose spec is valid, ready to run. */
export interface PlannedCell extends SweepCell {
  /** The cell's spec, without the sweep block. */
  spec: ExperimentSpec;
  /** `spec` as YAML: written to the cell's spec.yaml, and hashed for checkpoints. */
  resolvedSpecYaml: string;
  registry: ComponentRegistry;
  /**
   * Hash of everything but `eval`: two cells with the same key train the same model, so one
   * can score the other's checkpoint.
   */
  trainingKey: string;
}

/** Every cell of a sweep, each validated. */
export interface SweepPlan {
  /** The spec file as the caller named it. */
  specFile: string;
  settings: SweepSettings;
  columns: SweepColumn[];
  cells: PlannedCell[];
}

export interface LoadSweepOptions {
  /** `--set` overrides, applied before the sweep block is read and before each cell's values. */
  overrides?: readonly SpecOverride[];
}

// Each cell's spec gets an empty sweep block, so that a cell's resolved spec, and its spec.yaml
// and checkpoint hash, do not change when other cells are added to the sweep.
const CLEAR_SWEEP: SpecOverride = { path: ['sweep'], valueText: '{}', argument: 'the sweep block, cleared in each cell' };

/**
 * Reads a spec with a `sweep:` block and validates every cell before anything runs. A cell is
 * the spec with the cell's values set after the `--set` overrides, as `--set` would set them.
 * Throws UsageError when the spec has no sweep block, and SpecError listing every problem at
 * once. Problems of the sweep block itself come alone, because its cells cannot be built then.
 * Otherwise each problem of a cell names the cells it occurs in, and it is located at the sweep
 * value that caused it where there is one.
 */
export async function loadSweep(specFile: string, options: LoadSweepOptions = {}): Promise<SweepPlan> {
  const overrides = options.overrides ?? [];
  const root = await readSpecWithParents(specFile);
  normaliseComponents(root);
  for (const override of overrides) applyOverride(root, override);

  const sweepNode = root.entries.get('sweep');
  if (!sweepNode) {
    throw new UsageError(
      `${displayPath(specFile)} has no sweep block, so there are no cells to run. ` +
        'Add one, e.g. sweep: { grid: { seed: [0, 1, 2] } }, or run the spec once with csi run.',
    );
  }
  const settings = validateSweepBlock(sweepNode);
  const { axes, problems } = buildAxes(settings);
  const columns = buildColumns(axes, settings.aggregateOver);
  if (problems.length === 0) {
    const expansion = expandCells(axes, columns);
    problems.push(...expansion.problems);
    if (problems.length === 0) {
      const cells = await loadCells(specFile, overrides, expansion.cells, sweepNode, settings.scoringOnly);
      return { specFile, settings, columns, cells };
    }
  }
  throw new SpecError(problems.map((problem) => locateBlockProblem(problem, sweepNode)));
}

/** Validates the sweep block against its schema, filling in its defaults. */
function validateSweepBlock(sweepNode: SourceNode): SweepSettings {
  const validate = createSchemaValidator().compile(SWEEP_SCHEMA);
  const settings = toPlainValue(sweepNode);
  if (validate(settings)) return settings as SweepSettings;
  const problems = (validate.errors ?? [])
    .filter((error) => error.keyword !== 'if')
    .map((error) => locateBlockProblem(describeSchemaError(error, settings), sweepNode));
  throw new SpecError(problems);
}

function describeSchemaError(error: ErrorObject, settings: unknown): SweepBlockProblem {
  const at = decodeInstancePath(error.instancePath, settings);
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params.additionalProperty);
    const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const suggestion = suggestClosest(key, known);
    return {
      at: [...at, key],
      atKey: true,
      message: `unknown key "${key}". Known keys: ${known.join(', ')}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
    };
  }
  const { message } = describeOptionsError(error, '', settings);
  if (error.keyword === 'required') return { at: [...at, String(error.params.missingProperty)], message: 'missing required key' };
  return { at, message };
}

/** Turns an ajv instance path (`/zip/0/values/train.shift`) into segments, telling list indices from keys by the data. */
function decodeInstancePath(instancePath: string, data: unknown): SpecPathSegment[] {
  if (instancePath === '') return [];
  const segments: SpecPathSegment[] = [];
  let value = data;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(value) ? Number(key) : key;
    segments.push(segment);
    value = (value as Record<string | number, unknown> | undefined)?.[segment];
  }
  return segments;
}

function locateBlockProblem(problem: SweepBlockProblem, sweepNode: SourceNode): SpecProblem {
  const located: SpecProblem = { path: formatBlockPath(problem.at), message: problem.message };
  const location = locateInBlock(sweepNode, problem.at, problem.atKey ?? false);
  if (location) located.location = location;
  return located;
}

function locateInBlock(sweepNode: SourceNode, at: readonly SpecPathSegment[], atKey = false): SpecLocation | undefined {
  const { node, depth } = findClosestNode(sweepNode, at);
  // A key the block lacks is reported at the closest key that it has.
  const origin = depth === at.length && !atKey ? node.origin : (node.keyOrigin ?? node.origin);
  return locationOf(origin);
}

/**
 * Loads and validates each cell's spec. Problems are collected over all cells and reported once
 * each, with the list of cells where they occur.
 */
async function loadCells(
  specFile: string,
  overrides: readonly SpecOverride[],
  cells: readonly SweepCell[],
  sweepNode: SourceNode,
  scoringOnly: readonly string[],
): Promise<PlannedCell[]> {
  const ignored = scoringOnly.map((path) => parseSpecPath(path, 'sweep.scoringOnly'));
  const planned: PlannedCell[] = [];
  const problems = new ProblemsByCell(cells.length);
  for (const cell of cells) {
    const cellOverrides = cell.assignments.map((assignment) => ({
      path: assignment.segments,
      valueText: JSON.stringify(assignment.value) ?? 'null',
      argument: formatBlockPath(assignment.source),
    }));
    const locations = new Map(cell.assignments.map((assignment, i) => [cellOverrides[i]!.argument, locateInBlock(sweepNode, assignment.source)]));
    try {
      const loaded = await loadSpec(specFile, { overrides: [...overrides, CLEAR_SWEEP, ...cellOverrides] });
      const spec = loaded.spec;
      delete spec.sweep;
      planned.push({
        ...cell,
        spec,
        resolvedSpecYaml: stringify(spec),
        registry: loaded.registry,
        trainingKey: computeTrainingKey(spec, ignored),
      });
    } catch (error) {
      if (error instanceof SpecError) {
        for (const problem of error.problems) problems.add(cell, locateCellProblem(problem, locations));
      } else if (error instanceof UsageError) {
        // applyOverride's messages start with the argument, which is the sweep value's place.
        const source = [...locations.keys()].find((argument) => error.message.startsWith(`${argument}:`));
        const problem: SpecProblem = { path: '', message: error.message };
        const location = source === undefined ? undefined : locations.get(source);
        if (location) problem.location = location;
        problems.add(cell, problem);
      } else {
        throw error;
      }
    }
  }
  if (!problems.isEmpty()) throw new SpecError(problems.list());
  return planned;
}

/**
 * Hashes what training depends on: the spec without `eval` and without the `scoringOnly` paths.
 * Cells with equal keys train equal models, because training is seeded by the spec alone.
 */
function computeTrainingKey(spec: ExperimentSpec, ignored: readonly SpecPathSegment[][]): string {
  const training = structuredClone(spec) as Partial<ExperimentSpec>;
  delete training.eval;
  for (const segments of ignored) {
    let parent: unknown = training;
    for (const segment of segments.slice(0, -1)) parent = (parent as Record<string | number, unknown> | undefined)?.[segment];
    if (parent !== null && typeof parent === 'object') delete (parent as Record<string | number, unknown>)[segments[segments.length - 1]!];
  }
  return shortHash(canonicalJson(training), 16);
}

/** Locates a problem at the sweep value it names, e.g. `(from sweep.grid.seed[1])`, when it has no location. */
function locateCellProblem(problem: SpecProblem, locations: ReadonlyMap<string, SpecLocation | undefined>): SpecProblem {
  if (problem.location) return problem;
  for (const [argument, location] of locations) {
    if (location && problem.message.includes(`(from ${argument})`)) return { ...problem, location };
  }
  return problem;
}

/** Problems of cell specs, merged when several cells have the same one. */
class ProblemsByCell {
  private readonly byKey = new Map<string, { problem: SpecProblem; cellIds: string[] }>();

  constructor(private readonly cellCount: number) {}

  add(cell: SweepCell, problem: SpecProblem): void {
    const where = problem.location ? `${problem.location.file}:${problem.location.line}:${problem.location.column}` : '';
    const key = `${where}\u0000${problem.path}\u0000${problem.message}`;
    const entry = this.byKey.get(key);
    if (entry) entry.cellIds.push(cell.id);
    else this.byKey.set(key, { problem, cellIds: [cell.id] });
  }

  isEmpty(): boolean {
    return this.byKey.size === 0;
  }

  list(): SpecProblem[] {
    return [...this.byKey.values()].map(({ problem, cellIds }) => ({ ...problem, message: `${problem.message} ${this.describeCells(cellIds)}` }));
  }

  private describeCells(cellIds: readonly string[]): string {
    if (cellIds.length === this.cellCount && cellIds.length > 1) return `[in all ${cellIds.length} cells]`;
    return cellIds.length === 1 ? `[in cell ${cellIds[0]}]` : `[in cells ${cellIds.join(', ')}]`;
  }
}

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  CsiError,
  describeUnknownName,
  SpecError,
  suggestClosest,
  type ComponentRegistry,
  type JsonSchema,
  type SpecProblem,
} from '@csi/core';
import { buildSpecSchema } from './schema.js';
import { findSlot } from './slots.js';
import {
  findClosestNode,
  formatSpecPath,
  locationOf,
  toPlainValue,
  type SourceMap,
  type SpecPathSegment,
} from './source-tree.js';
import type { ExperimentSpec } from './types.js';

/**
 * Creates the ajv instance used for specs and component options: every error at once, schema
 * defaults filled in, and the failing value and schema kept on each error for messages. Unknown
 * keywords in a schema are errors. The type-strictness checks are off, because component schemas
 * come from plugins that may not state a type beside every keyword.
 */
export function createSchemaValidator(): Ajv {
  return new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
  });
}

/**
 * Validates a normalised spec tree against the schema built from `registry`, filling in
 * defaults. Returns the spec as `csi run` executes it, or throws SpecError with one problem per
 * schema violation, each located at the file position (or `--set` argument) of the value.
 */
export function validateSpecTree(root: SourceMap, registry: ComponentRegistry): ExperimentSpec {
  const validate = compileSpecSchemaOnce(registry);
  const spec = toPlainValue(root) as Record<string, unknown>;
  if (validate(spec)) {
    const valid = spec as unknown as ExperimentSpec;
    checkClassLabels(valid, root, registry);
    return valid;
  }

  const describer = new ProblemDescriber(root, spec, registry);
  const problems = dedupe(mergeKeyChoiceErrors(validate.errors ?? []).flatMap((error) => describer.describe(error)));
  throw new SpecError(sortByLocation(problems));
}

/**
 * Rejects a loss or score that trains on class labels under a protocol that provides none, which
 * the schema cannot express: it would otherwise fail only once the data is loaded.
 */
function checkClassLabels(spec: ExperimentSpec, root: SourceMap, registry: ComponentRegistry): void {
  if (registry.get('protocol', spec.protocol.name)?.descriptor.classLabels === 'provided') return;
  const needing: { path: SpecPathSegment[]; what: string }[] = [];
  spec.train.loss.forEach((loss, i) => {
    if (registry.get('loss', loss.name)?.descriptor.classLabels === 'needed') {
      needing.push({ path: ['train', 'loss', i, 'name'], what: `loss "${loss.name}"` });
    }
  });
  if (registry.get('score', spec.eval.score.name)?.descriptor.classLabels === 'needed') {
    needing.push({ path: ['eval', 'score', 'name'], what: `score "${spec.eval.score.name}"` });
  }
  if (needing.length === 0) return;
  const providers = registry
    .list()
    .filter((entry) => entry.descriptor.kind === 'protocol' && entry.descriptor.classLabels === 'provided')
    .map((entry) => entry.descriptor.name);
  throw new SpecError(
    needing.map(({ path, what }) => {
      const location = locationOf(findClosestNode(root, path).node.origin);
      return {
        ...(location ? { location } : {}),
        path: formatSpecPath(path.slice(0, -1)),
        message:
          `${what} trains on class labels, but protocol "${spec.protocol.name}" provides none. ` +
          `Use a labelled protocol (${providers.join(', ') || 'none is registered'}), or a loss and score without labels (e.g. con-si and cls-si, score csi).`,
      };
    }),
  );
}

// Compiling the spec schema takes tens of milliseconds, and a sweep or a fuzz test validates
// thousands of specs against the same few registries. The schema text is the key, so a registry
// that gained a plugin's components gets a new entry.
const compiledSchemas = new Map<string, ValidateFunction>();
const MAX_COMPILED_SCHEMAS = 16;

function compileSpecSchemaOnce(registry: ComponentRegistry): ValidateFunction {
  const schema = buildSpecSchema(registry);
  const key = JSON.stringify(schema);
  let validate = compiledSchemas.get(key);
  if (!validate) {
    validate = compileSpecSchema(createSchemaValidator(), schema, registry);
    if (compiledSchemas.size >= MAX_COMPILED_SCHEMAS) compiledSchemas.clear();
    compiledSchemas.set(key, validate);
  }
  return validate;
}

function compileSpecSchema(ajv: Ajv, schema: JsonSchema, registry: ComponentRegistry): ValidateFunction {
  // Compile each component's options schema alone first, so a broken one is reported with
  // the component and package that own it rather than as a failure of the whole spec schema.
  for (const entry of registry.list()) {
    try {
      ajv.compile(entry.descriptor.optionsSchema);
    } catch (error) {
      throw new CsiError(
        `${entry.descriptor.kind} "${entry.descriptor.name}" from ${entry.source} has an invalid optionsSchema: ` +
          `${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return ajv.compile(schema);
}

/**
 * Folds the errors of an `anyOf` or `oneOf` whose branches each only require one key, a choice of
 * keys as in `multi-class-ood`, into one error that names the keys. It replaces a "missing
 * required key" error for every branch and ajv's "must match a schema in anyOf".
 */
function mergeKeyChoiceErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const choices = errors.filter((error) => (error.keyword === 'anyOf' || error.keyword === 'oneOf') && listChoiceKeys(error) !== undefined);
  if (choices.length === 0) return [...errors];
  const branchErrors = new Set(
    errors.filter((error) => error.keyword === 'required' && choices.some((choice) => error.schemaPath.startsWith(`${choice.schemaPath}/`))),
  );
  return errors
    .filter((error) => !branchErrors.has(error))
    .map((error) => {
      if (!choices.includes(error)) return error;
      const keys = (listChoiceKeys(error) as string[]).map((key) => `"${key}"`).join(', ');
      const rule = error.keyword === 'anyOf' ? 'at least one' : 'exactly one';
      return { ...error, message: `must set ${rule} of the keys ${keys}` };
    });
}

/** Returns the keys of an anyOf/oneOf error whose every branch is `{ required: [key] }`, else undefined. */
function listChoiceKeys(error: ErrorObject): string[] | undefined {
  const branches = error.schema as unknown;
  if (!Array.isArray(branches)) return undefined;
  const keys = branches.map((branch: unknown) => {
    const required = (branch as { required?: unknown }).required;
    return Array.isArray(required) && required.length === 1 && Object.keys(branch as object).length === 1 ? String(required[0]) : undefined;
  });
  return keys.every((key) => key !== undefined) ? (keys as string[]) : undefined;
}

/** Turns ajv errors into SpecProblems with the spec path, the value found and a fix. */
class ProblemDescriber {
  constructor(
    private readonly root: SourceMap,
    private readonly spec: unknown,
    private readonly registry: ComponentRegistry,
  ) {}

  describe(error: ErrorObject): SpecProblem[] {
    // An `if` error only reports that a `then` or `else` branch failed, and that branch's own
    // errors are reported separately.
    if (error.keyword === 'if') return [];
    const segments = decodeInstancePath(error.instancePath, this.spec);

    switch (error.keyword) {
      case 'additionalProperties':
        return [this.describeUnknownKey(error, [...segments, String(error.params.additionalProperty)])];
      case 'required': {
        const key = String(error.params.missingProperty);
        const properties = (error.parentSchema as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties;
        const expected = describeExpected(properties?.[key]);
        const message = `missing required key "${key}"${expected ? `; set it to ${expected}` : ''}`;
        return [this.locate([...segments, key], message, { locateAt: segments, atKey: true })];
      }
      default:
        return [this.describeValue(error, segments)];
    }
  }

  private describeUnknownKey(error: ErrorObject, segments: SpecPathSegment[]): SpecProblem {
    const key = String(segments[segments.length - 1]);
    const parentSchema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
    const known = Object.keys(parentSchema?.properties ?? {});
    const suggestion = suggestClosest(key, known);
    const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';

    const component = this.componentAt(segments);
    let message: string;
    if (component && segments.length === component.depth + 2 && segments[component.depth] === 'options') {
      const list = known.length > 0 ? `Known options: ${known.join(', ')}.` : 'It takes no options.';
      message = `unknown option "${key}" of ${component.kind} "${component.name}". ${list}${hint}`;
    } else {
      message = `unknown key "${key}". Known keys: ${known.join(', ')}.${hint}`;
    }
    return this.locate(segments, message, { atKey: true });
  }

  private describeValue(error: ErrorObject, segments: SpecPathSegment[]): SpecProblem {
    const slotMatch = findSlot(segments);
    if (slotMatch) {
      const { slot, componentDepth } = slotMatch;
      const isNamePath =
        slot.form === 'name'
          ? segments.length === componentDepth
          : segments.length === componentDepth + 1 && segments[componentDepth] === 'name';
      if (isNamePath && typeof error.data === 'string' && !this.registry.get(slot.kind, error.data)) {
        const message = describeUnknownName(slot.kind, error.data, this.registry.names(slot.kind));
        return this.locate(segments, message, { reportAsWritten: true });
      }
      if (slot.form !== 'name' && segments.length === componentDepth && error.keyword === 'type') {
        return this.locate(
          segments,
          `must be a ${KIND_LABELS[slot.kind] ?? slot.kind} name or a map { name, options }; found ${formatValue(error.data)}`,
        );
      }
    }
    return this.locate(segments, `${describeRule(error, segments)}; found ${formatValue(error.data)}`);
  }

  /**
   * Builds the problem for `segments`, located at the closest node that the spec wrote (or at
   * `locateAt`). The message notes a value that only a schema default supplied, and names the
   * argument of a value from `--set`.
   */
  private locate(
    segments: SpecPathSegment[],
    message: string,
    options: { atKey?: boolean; reportAsWritten?: boolean; locateAt?: SpecPathSegment[] } = {},
  ): SpecProblem {
    const valueSegments = options.locateAt ?? segments;
    const { node, depth, parent } = findClosestNode(this.root, valueSegments);
    const exact = depth === valueSegments.length;
    // A key the spec lacks is reported at the key of its closest written ancestor (`train:`).
    const origin = (options.atKey && exact) || !exact ? (node.keyOrigin ?? node.origin) : node.origin;

    let path = segments;
    // `rotation` written for a component became `{ name: rotation }`; report the name at the
    // path the user wrote.
    if (options.reportAsWritten && exact && parent?.type === 'map' && parent.writtenAsName) {
      path = segments.slice(0, -1);
    }

    let text = message;
    if (!exact && !options.atKey && !options.locateAt) {
      text += ` (a default, because the spec does not set ${formatSpecPath(valueSegments.slice(0, depth + 1))})`;
    }
    if (origin.kind === 'argument') text += ` (from ${origin.argument})`;

    const problem: SpecProblem = { path: formatSpecPath(path), message: text };
    const location = locationOf(origin);
    if (location) problem.location = location;
    return problem;
  }

  private componentAt(segments: SpecPathSegment[]): { kind: string; name: string; depth: number } | undefined {
    const match = findSlot(segments);
    if (!match) return undefined;
    const component = valueAt(this.spec, segments.slice(0, match.componentDepth)) as { name?: unknown } | undefined;
    if (typeof component?.name !== 'string') return undefined;
    return { kind: KIND_LABELS[match.slot.kind] ?? match.slot.kind, name: component.name, depth: match.componentDepth };
  }
}

/**
 * Describes one ajv error from a component's own options schema, outside a spec file. `basePath`
 * is where the options sit (`train.shift[0].options`), and `options` is the validated object.
 */
export function describeOptionsError(error: ErrorObject, basePath: string, options: unknown): SpecProblem {
  const segments = decodeInstancePath(error.instancePath, options);
  const relative = formatSpecPath(segments);
  const join = (suffix: string): string => {
    if (suffix === '') return basePath;
    if (basePath === '') return suffix;
    return `${basePath}.${suffix}`;
  };
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params.additionalProperty);
    const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    return { path: join(formatSpecPath([...segments, key])), message: `unknown option "${key}". Known options: ${known.join(', ') || '(none)'}.` };
  }
  if (error.keyword === 'required') {
    return { path: join(formatSpecPath([...segments, String(error.params.missingProperty)])), message: 'missing required option' };
  }
  return { path: join(relative), message: `${describeRule(error, segments)}; found ${formatValue(error.data)}` };
}

const KIND_LABELS: Record<string, string> = {
  shift: 'shift transform',
  augmentation: 'soft augmentation',
};

function describeRule(error: ErrorObject, segments: SpecPathSegment[]): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(params.type).split(',').map(describeType).join(' or ')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((value) => formatValue(value));
      const suggestion = typeof error.data === 'string' ? suggestClosest(error.data, allowed.map((value) => value.replace(/^"|"$/g, ''))) : undefined;
      return `must be one of ${allowed.join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
    }
    case 'const':
      return `must be ${formatValue(params.allowedValue)}`;
    case 'minItems':
      return `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items`;
    case 'uniqueItems': {
      const [first, second] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return `must not repeat an item (items ${first} and ${second} are equal)`;
    }
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must have at most ${String(params.limit)} characters`;
    case 'pattern':
      if (segments.length === 1 && segments[0] === 'name') {
        return 'must be letters, digits, ".", "_" or "-", starting with a letter or digit, because it names the run folder';
      }
      return `must match the pattern ${String(params.pattern)}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}`;
    default:
      return error.message ?? `fails the schema rule "${error.keyword}"`;
  }
}

/** `an integer >= 1`, from a property schema's type and bounds, or undefined when it has no type. */
function describeExpected(schema: Record<string, unknown> | undefined): string | undefined {
  if (!schema || schema.type === undefined) return undefined;
  const types = Array.isArray(schema.type) ? schema.type.map(String) : [String(schema.type)];
  let text = types.map(describeType).join(' or ');
  if (typeof schema.minimum === 'number') text += ` >= ${schema.minimum}`;
  if (typeof schema.exclusiveMinimum === 'number') text += ` > ${schema.exclusiveMinimum}`;
  return text;
}

function describeType(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'array':
      return 'a list';
    case 'object':
      return 'a map';
    case 'boolean':
      return 'true or false';
    default:
      return type;
  }
}

/** Formats a value as a spec would write it, shortened when long. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Decodes an ajv instance path (`/train/loss/1/weight`) into segments, telling list indices from keys by the data. */
function decodeInstancePath(instancePath: string, data: unknown): SpecPathSegment[] {
  if (instancePath === '') return [];
  const segments: SpecPathSegment[] = [];
  let value = data;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      segments.push(Number(key));
      value = value[Number(key)];
    } else {
      segments.push(key);
      value = (value as Record<string, unknown> | undefined)?.[key];
    }
  }
  return segments;
}

function valueAt(data: unknown, segments: readonly SpecPathSegment[]): unknown {
  let value = data;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function dedupe(problems: SpecProblem[]): SpecProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortByLocation(problems: SpecProblem[]): SpecProblem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => {
      const la = a.problem.location;
      const lb = b.problem.location;
      if (!la || !lb) return (la ? 0 : 1) - (lb ? 0 : 1) || a.index - b.index;
      return la.file.localeCompare(lb.file) || la.line - lb.line || la.column - lb.column || a.index - b.index;
    })
    .map(({ problem }) => problem);
}

import { readFile } from 'node:fs/promises';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type ParseOptions,
  type DocumentOptions,
  type SchemaOptions,
  type YAMLError,
} from 'yaml';
import { SpecError, UsageError, type SpecProblem } from '@csi/core';
import { displayPath, formatSpecPath, type SourceNode, type SpecOrigin, type SpecPathSegment } from './source-tree.js';

// Only the YAML 1.2 core schema: plain maps, lists, strings, numbers, booleans and null. Every
// other tag (`!!js/function`, `!!binary`, `!custom`) is an error, so a spec can never make the
// parser build an object or run code. `resolveKnownTags: false` keeps the YAML 1.1 extras
// (`!!binary`, `!!set`, `!!timestamp`) unresolved so that they are reported too.
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: 'core',
  resolveKnownTags: false,
  merge: false,
  uniqueKeys: true,
  prettyErrors: true,
  strict: true,
};

// Each alias is expanded into a copy, so nested aliases could grow a small file exponentially
// (the "billion laughs" document). No real spec needs more than a few.
const MAX_ALIAS_EXPANSIONS = 100;

const CORE_TAG_PREFIX = 'tag:yaml.org,2002:';
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((tag) => CORE_TAG_PREFIX + tag));

/**
 * Reads a spec file into a source tree. Returns null for a file without content (only
 * comments). Throws UsageError when the file cannot be read, and SpecError listing every YAML
 * syntax error and every disallowed tag with its line and column.
 */
export async function readSpecFile(file: string): Promise<SourceNode | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let reason = String(error);
    if (code === 'ENOENT') reason = 'file not found';
    if (code === 'EISDIR') reason = 'is a folder, not a file';
    throw new UsageError(`cannot read spec ${displayPath(file)}: ${reason}`, { cause: error });
  }
  return parseSpecText(text, file);
}

/** Parses the text of a spec file; see `readSpecFile`. */
export function parseSpecText(text: string, file: string): SourceNode | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  const positionAt = (offset: number): SpecOrigin => {
    const { line, col } = lineCounter.linePos(offset);
    return { kind: 'file', file, line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new SpecError(doc.errors.map((error) => describeSyntaxError(error, file)));
  }
  const converter = new TreeConverter(doc, positionAt);
  const root = doc.contents === null ? null : converter.convert(doc.contents, []);
  if (converter.problems.length > 0) throw new SpecError(converter.problems);
  return root;
}

/**
 * Parses a `--set` value as YAML (`3`, `[3]`, `{ name: rotation }`, `[]`). Every node of the
 * result has `origin` as its position. Throws UsageError naming `argument` when the value is not
 * valid YAML or uses a tag.
 */
export function parseArgumentValue(text: string, origin: SpecOrigin & { kind: 'argument' }): SourceNode {
  const doc = parseDocument(text, YAML_OPTIONS);
  const firstError = doc.errors[0];
  if (firstError) {
    throw new UsageError(`${origin.argument}: the value is not valid YAML: ${stripPosition(firstError.message)}`);
  }
  const converter = new TreeConverter(doc, () => origin);
  const node = doc.contents === null ? null : converter.convert(doc.contents, []);
  const firstProblem = converter.problems[0];
  if (firstProblem) throw new UsageError(`${origin.argument}: ${firstProblem.message}`);
  return node ?? { type: 'scalar', value: null, origin };
}

function describeSyntaxError(error: YAMLError, file: string): SpecProblem {
  const position = error.linePos?.[0];
  const problem: SpecProblem = {
    path: '',
    message: `invalid YAML (${error.code}): ${stripPosition(error.message)}${quoteContext(error.message)}`,
  };
  if (position) problem.location = { file: displayPath(file), line: position.line, column: position.col };
  return problem;
}

// `prettyErrors` appends " at line L, column C:" and a source excerpt with a caret; the location
// goes into SpecProblem.location instead, and the excerpt is kept, indented, below the message.
function stripPosition(message: string): string {
  return message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
}

function quoteContext(message: string): string {
  const match = /:\n\n([\s\S]*?)\n?$/.exec(message);
  if (!match?.[1]) return '';
  return '\n' + match[1].split('\n').map((line) => `    ${line}`).join('\n');
}

/** Walks a parsed YAML document into a SourceNode tree, collecting what the spec language rejects. */
class TreeConverter {
  readonly problems: SpecProblem[] = [];
  private readonly tagWarnings: YAMLError[];
  private aliasExpansions = 0;

  constructor(
    private readonly doc: Document,
    private readonly positionAt: (offset: number) => SpecOrigin,
  ) {
    this.tagWarnings = doc.warnings.filter((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  }

  convert(node: unknown, path: SpecPathSegment[]): SourceNode {
    if (isAlias(node)) {
      this.aliasExpansions += 1;
      if (this.aliasExpansions > MAX_ALIAS_EXPANSIONS) {
        return this.reject(node.range?.[0] ?? 0, path, `more than ${MAX_ALIAS_EXPANSIONS} alias expansions; write the values out`);
      }
      const target = node.resolve(this.doc);
      if (!target) return this.reject(node.range?.[0] ?? 0, path, `alias *${node.source} has no anchor`);
      return this.convert(target, path);
    }
    if (!isMap(node) && !isSeq(node) && !isScalar(node)) {
      return this.reject(0, path, 'unsupported YAML node');
    }
    const start = node.range?.[0] ?? 0;
    const origin = this.positionAt(start);

    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      this.reportTag(node.tag, start, path);
      return { type: 'scalar', value: null, origin };
    }

    if (isScalar(node)) return this.convertScalar(node.value, origin, path, start);

    if (isSeq(node)) {
      const items = node.items.map((item, index) => this.convert(item, [...path, index]));
      return { type: 'sequence', items, origin };
    }

    const entries = new Map<string, SourceNode>();
    for (const pair of node.items) {
      const keyStart = isScalar(pair.key) ? (pair.key.range?.[0] ?? start) : start;
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
        this.reject(keyStart, path, 'map keys must be plain names such as `epochs`');
        continue;
      }
      const keyText = String(key);
      const keyOrigin = this.positionAt(keyStart);
      const child =
        pair.value === null
          ? ({ type: 'scalar', value: null, origin: keyOrigin } as const)
          : this.convert(pair.value, [...path, keyText]);
      entries.set(keyText, { ...child, keyOrigin });
    }
    return { type: 'map', entries, origin };
  }

  private convertScalar(value: unknown, origin: SpecOrigin, path: SpecPathSegment[], start: number): SourceNode {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return this.reject(start, path, `${String(value)} is not allowed; numbers must be finite`);
    }
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return { type: 'scalar', value, origin };
    }
    return this.reject(start, path, `unsupported YAML value of type ${typeof value}`);
  }

  // The parser reports an unresolved tag at the tag itself, but the node's range starts at the
  // value after it. So the nearest warning before the value is the tag of this node.
  private reportTag(tag: string, valueStart: number, path: SpecPathSegment[]): void {
    const warning = this.tagWarnings
      .filter((candidate) => candidate.pos[0] <= valueStart)
      .sort((a, b) => b.pos[0] - a.pos[0])[0];
    const written = tag.startsWith(CORE_TAG_PREFIX) ? `!!${tag.slice(CORE_TAG_PREFIX.length)}` : tag;
    this.reject(
      warning?.pos[0] ?? valueStart,
      path,
      `YAML tag ${written} is not allowed: specs take plain values (maps, lists, strings, numbers, ` +
        'booleans, null) and never build objects from tags. Remove the tag.',
    );
  }

  private reject(offset: number, path: SpecPathSegment[], message: string): SourceNode {
    const origin = this.positionAt(offset);
    const problem: SpecProblem = { path: formatSpecPath(path), message };
    if (origin.kind === 'file') {
      problem.location = { file: displayPath(origin.file), line: origin.line, column: origin.column };
    }
    this.problems.push(problem);
    return { type: 'scalar', value: null, origin };
  }
}

import { relative, isAbsolute } from 'node:path';
import type { SpecLocation } from '@csi/core';

/** Where a value of the resolved spec was written: a spec file position or a command-line argument. */
export type SpecOrigin =
  | { kind: 'file'; file: string; line: number; column: number }
  | { kind: 'argument'; argument: string };

export type SpecScalar = string | number | boolean | null;

/**
 * A spec value together with where each part of it was written. Merging `extends` layers and
 * applying `--set` work on this tree, so a problem found later still points at the file,
 * line and column (or the argument) that produced the value.
 */
export type SourceNode = SourceMap | SourceSequence | SourceScalarNode;

interface SourceNodeBase {
  /** Position of the value itself. */
  origin: SpecOrigin;
  /** Position of the key that names this node in its parent map, when it has one. */
  keyOrigin?: SpecOrigin;
}

export interface SourceMap extends SourceNodeBase {
  type: 'map';
  entries: Map<string, SourceNode>;
  /**
   * Set on a component `{ name, options }` that the spec wrote as a bare name (`rotation`), so
   * a problem with the name is reported at the slot path (`train.shift[0]`), as written.
   */
  writtenAsName?: boolean;
}

export interface SourceSequence extends SourceNodeBase {
  type: 'sequence';
  items: SourceNode[];
}

export interface SourceScalarNode extends SourceNodeBase {
  type: 'scalar';
  value: SpecScalar;
}

/** One step of a spec path: a map key or a list index. */
export type SpecPathSegment = string | number;

/** Formats `['train', 'loss', 1, 'weight']` as `train.loss[1].weight`. */
export function formatSpecPath(segments: readonly SpecPathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/** Converts a tree to its plain JSON value, as ajv and the experiment see it. */
export function toPlainValue(node: SourceNode): unknown {
  switch (node.type) {
    case 'scalar':
      return node.value;
    case 'sequence':
      return node.items.map(toPlainValue);
    case 'map': {
      const result: Record<string, unknown> = {};
      for (const [key, child] of node.entries) result[key] = toPlainValue(child);
      return result;
    }
  }
}

/** Returns the child of a map or sequence, or undefined when there is none. */
export function childOf(node: SourceNode, segment: SpecPathSegment): SourceNode | undefined {
  if (node.type === 'map' && typeof segment === 'string') return node.entries.get(segment);
  if (node.type === 'sequence' && typeof segment === 'number') return node.items[segment];
  return undefined;
}

/**
 * Follows `segments` from `root` as far as the tree goes. `depth` is the number of segments
 * matched. It is less than `segments.length` when the value came from a schema default or does
 * not exist, and then `node` is the closest ancestor that was written.
 */
export function findClosestNode(
  root: SourceNode,
  segments: readonly SpecPathSegment[],
): { node: SourceNode; depth: number; parent?: SourceNode } {
  let node = root;
  let parent: SourceNode | undefined;
  let depth = 0;
  for (const segment of segments) {
    const child = childOf(node, segment);
    if (!child) break;
    parent = node;
    node = child;
    depth += 1;
  }
  return { node, depth, parent };
}

/**
 * Returns the file position of an origin in the form of `SpecProblem.location`, or undefined for
 * a command-line argument (whose problems name the argument in the message instead).
 */
export function locationOf(origin: SpecOrigin): SpecLocation | undefined {
  if (origin.kind !== 'file') return undefined;
  return { file: displayPath(origin.file), line: origin.line, column: origin.column };
}

/**
 * `file` relative to the working directory when it lies inside it, else absolute: the shortest
 * form that a terminal or editor opens.
 */
export function displayPath(file: string): string {
  const relativePath = relative(process.cwd(), file);
  if (relativePath === '' || relativePath.startsWith('..') || isAbsolute(relativePath)) return file;
  return relativePath;
}

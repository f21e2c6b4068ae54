import { UsageError } from '@csi/core';
import { formatSpecPath, type SourceMap, type SourceNode, type SpecOrigin, type SpecPathSegment } from './source-tree.js';
import { parseArgumentValue } from './yaml-reader.js';

/** A change to the spec from the command line, applied after `extends` and before validation. */
export interface SpecOverride {
  /** Where the value goes, e.g. `['train', 'loss', 1, 'weight']`. */
  path: SpecPathSegment[];
  /** The value as YAML text: `3`, `[3]`, `[]`, `{ name: rotation }`. */
  valueText: string;
  /** How the user wrote it, for messages: `--set train.epochs=3`. */
  argument: string;
}

const PATH_SEGMENT = /^([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)$/;

/**
 * Parses a `--set` argument, `path=value`: the path is dot-separated keys with optional list
 * indices (`train.loss[1].weight`), the value is YAML. Throws UsageError for a malformed one.
 */
export function parseSetArgument(text: string): SpecOverride {
  const argument = `--set ${text}`;
  const equals = text.indexOf('=');
  if (equals <= 0) {
    throw new UsageError(`${argument}: expected path=value, e.g. --set train.epochs=3`);
  }
  const pathText = text.slice(0, equals);
  return { path: parseSpecPath(pathText, argument), valueText: text.slice(equals + 1), argument };
}

/** Parses `train.loss[1].weight` into `['train', 'loss', 1, 'weight']`. */
export function parseSpecPath(text: string, argument: string): SpecPathSegment[] {
  const segments: SpecPathSegment[] = [];
  for (const part of text.split('.')) {
    const match = PATH_SEGMENT.exec(part);
    if (!match) {
      throw new UsageError(
        `${argument}: "${text}" is not a spec path; write keys joined by dots, with [i] for list items, e.g. train.loss[1].weight`,
      );
    }
    segments.push(match[1]!);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  if (segments[0] === 'extends') {
    throw new UsageError(`${argument}: extends cannot be overridden, because parents are merged before --set applies`);
  }
  return segments;
}

/**
 * Sets the override's value in the tree, creating missing maps on the way. Every node of the
 * value carries the argument as its origin, so problems with it name the argument. Throws
 * UsageError when the path runs through a value that is not a map or list, or indexes past the
 * end of a list.
 */
export function applyOverride(root: SourceMap, override: SpecOverride): void {
  const origin: SpecOrigin & { kind: 'argument' } = { kind: 'argument', argument: override.argument };
  const value: SourceNode = { ...parseArgumentValue(override.valueText, origin), keyOrigin: origin };

  let node: SourceNode = root;
  override.path.forEach((segment, depth) => {
    const isLast = depth === override.path.length - 1;
    const here = formatSpecPath(override.path.slice(0, depth)) || 'the spec root';

    if (typeof segment === 'string') {
      if (node.type !== 'map') {
        throw new UsageError(`${override.argument}: cannot set key "${segment}" because ${here} is ${describe(node)}, not a map`);
      }
      const existing = node.entries.get(segment);
      if (isLast) {
        node.entries.set(segment, value);
      } else if (existing) {
        node = existing;
      } else if (typeof override.path[depth + 1] === 'number') {
        const listPath = formatSpecPath(override.path.slice(0, depth + 1));
        throw new UsageError(
          `${override.argument}: the spec does not set ${listPath}, so it has no items to change; ` +
            `set the whole list instead, e.g. --set ${listPath}=[...]`,
        );
      } else {
        const created: SourceMap = { type: 'map', entries: new Map(), origin, keyOrigin: origin };
        node.entries.set(segment, created);
        node = created;
      }
      return;
    }

    if (node.type !== 'sequence') {
      throw new UsageError(
        `${override.argument}: cannot set item [${segment}] because ${here} is ${describe(node)}, not a list. ` +
          `Set the whole list instead, e.g. --set ${here}=[...]`,
      );
    }
    if (segment > node.items.length) {
      throw new UsageError(
        `${override.argument}: ${here} has ${node.items.length} items, so [${segment}] is past its end; ` +
          `use an index up to ${node.items.length}`,
      );
    }
    if (isLast) {
      node.items[segment] = value;
    } else if (segment < node.items.length) {
      node = node.items[segment]!;
    } else {
      const created: SourceMap = { type: 'map', entries: new Map(), origin };
      node.items.push(created);
      node = created;
    }
  });
}

function describe(node: SourceNode): string {
  if (node.type === 'map') return 'a map';
  if (node.type === 'sequence') return 'a list';
  return `the value ${JSON.stringify(node.value)}`;
}

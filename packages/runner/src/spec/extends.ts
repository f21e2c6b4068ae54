import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SpecError, type SpecProblem } from '@csi/core';
import { displayPath, formatSpecPath, locationOf, type SourceMap, type SourceNode, type SpecPathSegment } from './source-tree.js';
import { readSpecFile } from './yaml-reader.js';

/**
 * Reads a spec file and the files it `extends`, and merges them into one tree: each parent in
 * list order, then the file itself, later layers winning. Maps merge key by key; lists, scalars,
 * a component that names another component (see mergeNodes) and a `sweep` block replace. Parent paths are relative to the file that names them. The `extends` key
 * itself is removed. Throws SpecError for a cycle (with the chain of files) or a missing parent
 * (with its resolved path), located at the `extends` entry.
 */
export async function readSpecWithParents(file: string): Promise<SourceMap> {
  return readLayer(resolve(file), []);
}

async function readLayer(file: string, chain: readonly string[]): Promise<SourceMap> {
  const root = asRootMap(await readSpecFile(file), file);
  const extendsNode = root.entries.get('extends');
  if (!extendsNode) return root;
  root.entries.delete('extends');

  const parentRefs = listParentRefs(extendsNode);
  const problems: SpecProblem[] = parentRefs.problems;
  const here = [...chain, file];
  let merged: SourceMap | undefined;

  for (const ref of parentRefs.refs) {
    const parentFile = resolve(dirname(file), ref.relativePath);
    const problem = (message: string): SpecProblem => ({
      location: locationOf(ref.node.origin),
      path: formatSpecPath(ref.path),
      message,
    });

    if (here.includes(parentFile)) {
      const cycle = [...here.slice(here.indexOf(parentFile)), parentFile].map(displayPath).join(' → ');
      problems.push(problem(`extends cycle: ${cycle}. Remove one of these extends entries.`));
      continue;
    }
    if (!(await isFile(parentFile))) {
      problems.push(
        problem(`file not found: ${parentFile} (resolved from "${ref.relativePath}" relative to ${displayPath(dirname(file))})`),
      );
      continue;
    }
    const parent = await readLayer(parentFile, here);
    merged = merged ? mergeMaps(merged, parent, ROOT_KEYS_REPLACED) : parent;
  }

  if (problems.length > 0) throw new SpecError(problems);
  return merged ? mergeMaps(merged, root, ROOT_KEYS_REPLACED) : root;
}

/**
 * Deep-merges `override` onto `base`: maps merge by key, anything else is replaced. A component
 * below the root (a map with a `name`) that names another component replaces the parent's map
 * whole, because the parent's options belong to the component it named. Neither input is changed.
 */
export function mergeNodes(base: SourceNode, override: SourceNode): SourceNode {
  if (base.type !== 'map' || override.type !== 'map') return override;
  return mergeMaps(base, override);
}

// A sweep block describes one grid; axes merged from a parent's grid would multiply the cells.
const ROOT_KEYS_REPLACED: ReadonlySet<string> = new Set(['sweep']);

function mergeMaps(base: SourceMap, override: SourceMap, keysReplaced: ReadonlySet<string> = new Set()): SourceMap {
  const entries = new Map(base.entries);
  for (const [key, child] of override.entries) {
    const existing = entries.get(key);
    const replace = !existing || keysReplaced.has(key) || namesAnotherComponent(existing, child);
    const merged = replace ? child : mergeNodes(existing, child);
    entries.set(key, { ...merged, keyOrigin: child.keyOrigin });
  }
  return { ...override, entries };
}

function namesAnotherComponent(base: SourceNode, override: SourceNode): boolean {
  if (base.type !== 'map' || override.type !== 'map') return false;
  const baseName = base.entries.get('name');
  const overrideName = override.entries.get('name');
  return baseName?.type === 'scalar' && overrideName?.type === 'scalar' && baseName.value !== overrideName.value;
}

interface ParentRef {
  relativePath: string;
  node: SourceNode;
  path: SpecPathSegment[];
}

function listParentRefs(node: SourceNode): { refs: ParentRef[]; problems: SpecProblem[] } {
  const expected = 'extends must be a relative path to a spec file, or a list of them';
  if (node.type === 'scalar' && typeof node.value === 'string' && node.value !== '') {
    return { refs: [{ relativePath: node.value, node, path: ['extends'] }], problems: [] };
  }
  if (node.type === 'sequence') {
    const refs: ParentRef[] = [];
    const problems: SpecProblem[] = [];
    node.items.forEach((item, index) => {
      if (item.type === 'scalar' && typeof item.value === 'string' && item.value !== '') {
        refs.push({ relativePath: item.value, node: item, path: ['extends', index] });
      } else {
        problems.push({ location: locationOf(item.origin), path: `extends[${index}]`, message: `${expected}; found ${describeNode(item)}` });
      }
    });
    return { refs, problems };
  }
  return { refs: [], problems: [{ location: locationOf(node.origin), path: 'extends', message: `${expected}; found ${describeNode(node)}` }] };
}

function asRootMap(node: SourceNode | null, file: string): SourceMap {
  if (node === null) {
    return { type: 'map', entries: new Map(), origin: { kind: 'file', file, line: 1, column: 1 } };
  }
  if (node.type === 'map') return node;
  throw new SpecError([
    {
      location: locationOf(node.origin),
      path: '',
      message: `a spec is a map of keys such as name, data and train; found ${describeNode(node)}`,
    },
  ]);
}

function describeNode(node: SourceNode): string {
  if (node.type === 'map') return 'a map';
  if (node.type === 'sequence') return 'a list';
  return JSON.stringify(node.value);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

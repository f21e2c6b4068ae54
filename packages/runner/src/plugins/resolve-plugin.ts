import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CsiError } from '@csi/core';

/** A plugin entry resolved to the module file that will be imported. */
export interface ResolvedPlugin {
  /** The entry as written under `plugins:`. */
  entry: string;
  /** Absolute path of the JavaScript module to import. */
  file: string;
  /** `name` from the plugin's package.json, when it has one. */
  packageName?: string;
}

/** A plugin entry that does not lead to a module file. */
export class PluginResolveError extends CsiError {}

// Conditions of an `exports` map that apply to `import()` in Node, in order of preference.
const IMPORT_CONDITIONS = ['import', 'node', 'default'];

/**
 * Finds the module file of a plugin entry. A path (starting with `.` or `/`) is taken relative
 * to `baseDir`. A folder is resolved through its package.json `exports` (the `import`, `node`
 * or `default` condition of `"."`), then `main`, then `index.js`. A package name is looked up in
 * the `node_modules` folders from each of `searchDirs` upward. Throws PluginResolveError with
 * the resolved path or the folders searched.
 */
export async function resolvePluginEntry(
  entry: string,
  baseDir: string,
  searchDirs: readonly string[] = [baseDir],
): Promise<ResolvedPlugin> {
  if (isPathEntry(entry)) {
    const target = resolve(baseDir, entry);
    const kind = await pathKind(target);
    if (kind === 'missing') throw new PluginResolveError(`not found: ${target} (resolved from "${entry}" relative to ${baseDir})`);
    if (kind === 'file') return { entry, file: target };
    return { entry, ...(await resolvePackageFolder(target, '.')) };
  }

  const parsed = parsePackageSpecifier(entry);
  if (!parsed) {
    throw new PluginResolveError(
      `"${entry}" is neither a path (start it with ./ or ../) nor a package name such as csi-plugin-foo or @scope/name`,
    );
  }
  const searched: string[] = [];
  for (const start of searchDirs) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', parsed.packageName);
      if (!searched.includes(candidate)) {
        searched.push(candidate);
        if ((await pathKind(candidate)) === 'folder') {
          return { entry, ...(await resolvePackageFolder(candidate, parsed.subpath)) };
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  throw new PluginResolveError(
    `package "${parsed.packageName}" not found in any node_modules folder from ${searchDirs.join(' or ')} upward; ` +
      `install it (pnpm add ${parsed.packageName}) or write a relative path such as ./plugins/my-plugin`,
  );
}

function isPathEntry(entry: string): boolean {
  return entry === '.' || entry === '..' || entry.startsWith('./') || entry.startsWith('../') || isAbsolute(entry);
}

function parsePackageSpecifier(entry: string): { packageName: string; subpath: string } | undefined {
  const match = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(\/.*)?$/i.exec(entry);
  if (!match) return undefined;
  return { packageName: match[1]!, subpath: match[2] ? `.${match[2]}` : '.' };
}

async function resolvePackageFolder(folder: string, subpath: string): Promise<Omit<ResolvedPlugin, 'entry'>> {
  const manifestFile = join(folder, 'package.json');
  let manifest: { name?: unknown; exports?: unknown; main?: unknown } | undefined;
  if ((await pathKind(manifestFile)) === 'file') {
    try {
      manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as typeof manifest;
    } catch (error) {
      throw new PluginResolveError(`cannot read ${manifestFile}: ${(error as Error).message}`, { cause: error });
    }
  }
  const packageName = typeof manifest?.name === 'string' ? manifest.name : undefined;

  let target: string | undefined;
  let via: string;
  if (manifest?.exports !== undefined) {
    target = exportTarget(manifest.exports, subpath);
    via = `the "exports" of ${manifestFile}`;
    if (target === undefined) {
      throw new PluginResolveError(`${manifestFile} exports no "${subpath}" entry for import (conditions ${IMPORT_CONDITIONS.join(', ')})`);
    }
  } else if (subpath === '.' && typeof manifest?.main === 'string') {
    target = manifest.main;
    via = `the "main" of ${manifestFile}`;
  } else {
    target = subpath === '.' ? 'index.js' : subpath;
    via = manifest ? `${manifestFile}, which has neither "exports" nor "main",` : `${folder}, which has no package.json,`;
  }

  const file = resolve(folder, target);
  if ((await pathKind(file)) !== 'file') {
    const build = packageName ? ` Build the plugin first, e.g. pnpm --filter ${packageName} build.` : '';
    throw new PluginResolveError(`${via} points to ${target}, which does not exist: ${file}.${build}`);
  }
  return packageName === undefined ? { file } : { file, packageName };
}

function exportTarget(exportsField: unknown, subpath: string): string | undefined {
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) {
    return subpath === '.' ? conditionTarget(exportsField) : undefined;
  }
  if (exportsField === null || typeof exportsField !== 'object') return undefined;
  const map = exportsField as Record<string, unknown>;
  const isSubpathMap = Object.keys(map).some((key) => key.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? conditionTarget(map) : undefined;
  return conditionTarget(map[subpath]);
}

function conditionTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const candidate of value) {
      const target = conditionTarget(candidate);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const conditions = value as Record<string, unknown>;
  for (const condition of IMPORT_CONDITIONS) {
    if (condition in conditions) {
      const target = conditionTarget(conditions[condition]);
      if (target !== undefined) return target;
    }
  }
  return undefined;
}

async function pathKind(path: string): Promise<'file' | 'folder' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { DataError } from '@csi/core';
import { IDX_FILE_NAMES, type IdxDatasetDescription, type IdxFileName } from './catalog.js';
import { checkContentSha256 } from './checksum.js';

/** Origin of a data set's files: the kind of folder they were found in, or the download method. */
export type DatasetOrigin = 'root' | 'data-dir' | 'cache' | 'system' | 'apt' | 'http';

/** A folder that contains all four files with the known checksums. */
export interface LocatedDataset {
  dir: string;
  source: DatasetOrigin;
  /** Path of each file, `.gz` or uncompressed. */
  files: Readonly<Record<IdxFileName, string>>;
}

/** A folder that was searched, and why it did not count (absent when it did). */
export interface FolderCheck {
  dir: string;
  source: DatasetOrigin;
  problem?: string;
}

export interface LocateOptions {
  /** The spec's `root`: searched first when given. */
  root?: string | null;
  /** Parent of the per-data-set cache folders; defaults to `defaultCacheDir(env)`. */
  cacheDir?: string;
  /** Environment read for CSI_DATA_DIR, XDG_CACHE_HOME and the checksum override; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Returns the user cache for downloaded data sets: `$XDG_CACHE_HOME/csi`, or `~/.cache/csi` when that
 * variable is unset or not an absolute path (the XDG Base Directory rule for invalid values).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, 'csi');
}

/** Returns the environment variable prefix of a data set: `fashion-mnist` → `CSI_FASHION_MNIST`. */
export function environmentPrefix(name: string): string {
  return `CSI_${name.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Returns the known checksums, or those set by `CSI_<NAME>_SHA256` for a mirror that serves another
 * version of the files. The variable lists all four files as `file=hex` pairs separated by
 * commas, with the file names of `IDX_FILE_NAMES`.
 */
export function resolveChecksums(
  description: IdxDatasetDescription,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<IdxFileName, string>> {
  const variable = `${environmentPrefix(description.name)}_SHA256`;
  const text = env[variable];
  if (text === undefined || text.trim() === '') return description.sha256;

  const example = `${IDX_FILE_NAMES[0]}=<64 hex digits>,${IDX_FILE_NAMES[1]}=<64 hex digits>,...`;
  const problems: string[] = [];
  const parsed = new Map<string, string>();
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^([a-z0-9-]+)=([0-9a-fA-F]{64})$/.exec(entry);
    if (!match || !(IDX_FILE_NAMES as readonly string[]).includes(match[1] ?? '')) {
      problems.push(`invalid entry "${entry}"`);
      continue;
    }
    parsed.set(match[1] as string, (match[2] as string).toLowerCase());
  }
  const missing = IDX_FILE_NAMES.filter((file) => !parsed.has(file));
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
  if (problems.length > 0) {
    throw new DataError(
      `${variable}: ${problems.join('; ')}. Write all four files as ${example}, or unset ${variable} ` +
        `to use the published checksums of ${description.title}.`,
    );
  }
  return Object.fromEntries(IDX_FILE_NAMES.map((file) => [file, parsed.get(file) as string])) as Record<
    IdxFileName,
    string
  >;
}

/**
 * Lists the folders searched for a data set, in order: the spec's `root`, `$CSI_DATA_DIR/<name>`, the
 * user cache `<cacheDir>/<name>`, then the folders of a system package.
 */
export function listCandidateFolders(description: IdxDatasetDescription, options: LocateOptions = {}): FolderCheck[] {
  const env = options.env ?? process.env;
  const folders: FolderCheck[] = [];
  if (options.root) folders.push({ dir: resolve(options.root), source: 'root' });
  if (env.CSI_DATA_DIR) folders.push({ dir: resolve(env.CSI_DATA_DIR, description.name), source: 'data-dir' });
  folders.push({ dir: join(options.cacheDir ?? defaultCacheDir(env), description.name), source: 'cache' });
  for (const dir of description.systemDirs) folders.push({ dir, source: 'system' });
  return folders;
}

/**
 * Checks one folder: every file present (as `<file>.gz` or `<file>`) and its IDX content
 * matching its checksum. Returns the file paths, or the problems found.
 */
export async function inspectFolder(
  dir: string,
  checksums: Readonly<Record<IdxFileName, string>>,
): Promise<{ files: Record<IdxFileName, string> } | { problem: string }> {
  const files: Partial<Record<IdxFileName, string>> = {};
  const missing: string[] = [];
  for (const file of IDX_FILE_NAMES) {
    const found = await findFirstExisting([join(dir, `${file}.gz`), join(dir, file)]);
    if (found) files[file] = found;
    else missing.push(`${file}.gz`);
  }
  if (missing.length === IDX_FILE_NAMES.length) return { problem: 'no data files' };
  if (missing.length > 0) return { problem: `missing ${missing.join(', ')}` };

  const problems: string[] = [];
  for (const file of IDX_FILE_NAMES) {
    const check = await checkContentSha256(files[file] as string, checksums[file]);
    if (!check.ok) problems.push(check.problem);
  }
  if (problems.length > 0) return { problem: problems.join('; ') };
  return { files: files as Record<IdxFileName, string> };
}

/**
 * Searches the candidate folders in order and returns the first that contains all four files with
 * the known checksums, with the reason each earlier folder did not count.
 */
export async function locateDataset(
  description: IdxDatasetDescription,
  options: LocateOptions = {},
): Promise<{ located?: LocatedDataset; checked: FolderCheck[] }> {
  const checksums = resolveChecksums(description, options.env);
  const checked: FolderCheck[] = [];
  for (const candidate of listCandidateFolders(description, options)) {
    if (!(await pathExists(candidate.dir))) {
      checked.push({ ...candidate, problem: 'no such folder' });
      continue;
    }
    const result = await inspectFolder(candidate.dir, checksums);
    if ('files' in result) {
      checked.push(candidate);
      return { located: { ...candidate, files: result.files }, checked };
    }
    checked.push({ ...candidate, problem: result.problem });
  }
  return { checked };
}

async function findFirstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    if (await pathExists(path)) return path;
  }
  return undefined;
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError, UsageError, describeUnknownName, type Logger } from '@csi/core';
import type { FetchedDataset } from './acquire.js';
import { CIFAR_DATASETS, type CifarDatasetDescription } from './cifar-catalog.js';
import { computeFileSha256, downloadVerifiedArchive } from './download-archive.js';
import type { DownloadProgress } from './download-http.js';
import { defaultCacheDir, environmentPrefix, type DatasetOrigin, type FolderCheck } from './locate.js';

/** Location of the batch files of a CIFAR data set: extracted in a folder, or inside the archive. */
export type CifarFiles = { kind: 'folder'; dir: string } | { kind: 'archive'; path: string };

/** A folder that counts for a CIFAR data set, and what it contains. */
export interface LocatedCifar {
  dir: string;
  source: DatasetOrigin;
  files: CifarFiles;
}

export interface CifarAcquireOptions {
  logger: Logger;
  /** The spec's `root`: searched first when given. */
  root?: string | null;
  /** Parent of the per-data-set cache folders; defaults to `defaultCacheDir(env)`. */
  cacheDir?: string;
  /** Environment read for CSI_DATA_DIR, XDG_CACHE_HOME and the overrides; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Download the archive into the user cache when no folder contains the files (default true). */
  download?: boolean;
  onProgress?: DownloadProgress;
}

/**
 * Returns the archive's SHA-256: the published value, or the one in `CSI_<NAME>_SHA256` (64 hex
 * digits) for a mirror that serves another copy. An invalid override is a DataError.
 */
export function resolveArchiveChecksum(
  description: CifarDatasetDescription,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const variable = `${environmentPrefix(description.name)}_SHA256`;
  const text = env[variable]?.trim();
  if (text === undefined || text === '') return description.archiveSha256;
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new DataError(
      `${variable}: "${text}" is not a SHA-256 value; write the 64 hex digits of the SHA-256 of ` +
        `${description.archiveName}, or unset ${variable} to use the published checksum of ${description.title}.`,
    );
  }
  return text.toLowerCase();
}

/** Returns the base addresses in `CSI_<NAME>_URL` (comma-separated), or the built-in mirrors. */
export function resolveArchiveMirrors(
  description: CifarDatasetDescription,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const text = env[`${environmentPrefix(description.name)}_URL`];
  const bases = text && text.trim() !== '' ? text.split(',') : [...description.mirrors];
  return bases
    .map((base) => base.trim())
    .filter((base) => base !== '')
    .map((base) => (base.endsWith('/') ? base : `${base}/`));
}

/** Lists the folders searched, in order: `root`, `$CSI_DATA_DIR/<name>`, then `<cacheDir>/<name>`. */
export function listCifarFolders(
  description: CifarDatasetDescription,
  options: Pick<CifarAcquireOptions, 'root' | 'cacheDir' | 'env'> = {},
): FolderCheck[] {
  const env = options.env ?? process.env;
  const folders: FolderCheck[] = [];
  if (options.root) folders.push({ dir: resolve(options.root), source: 'root' });
  if (env.CSI_DATA_DIR) folders.push({ dir: resolve(env.CSI_DATA_DIR, description.name), source: 'data-dir' });
  folders.push({ dir: join(options.cacheDir ?? defaultCacheDir(env), description.name), source: 'cache' });
  return folders;
}

/**
 * Checks one folder. It counts when it contains every batch file, directly or in the archive's
 * folder (`cifar-10-batches-bin/`), or the archive with the expected SHA-256. Extracted batch
 * files are not hashed, because no checksums of the single files are published; the reader's
 * record and label checks still apply to them.
 */
export async function inspectCifarFolder(
  dir: string,
  description: CifarDatasetDescription,
  sha256: string,
): Promise<{ files: CifarFiles } | { problem: string }> {
  const batchFiles = [...description.splitFiles.train, ...description.splitFiles.test];
  const problems: string[] = [];
  for (const candidate of [dir, join(dir, description.archiveFolder)]) {
    const present = await Promise.all(batchFiles.map((file) => pathExists(join(candidate, file))));
    if (present.every(Boolean)) return { files: { kind: 'folder', dir: candidate } };
    if (present.some(Boolean)) {
      const missing = batchFiles.filter((_, i) => !present[i]);
      problems.push(`${candidate} lacks ${missing.join(', ')}`);
    }
  }

  const archive = join(dir, description.archiveName);
  if (await pathExists(archive)) {
    const found = await computeFileSha256(archive);
    if (found === sha256) return { files: { kind: 'archive', path: archive } };
    problems.push(`${archive}: SHA-256 is ${found}, expected ${sha256}`);
  }
  return { problem: problems.length > 0 ? problems.join('; ') : 'no data files' };
}

/**
 * Returns a folder that contains the CIFAR batch files or the verified archive, searching the
 * folders of `listCifarFolders` in order. When none counts and `download` is allowed, it
 * downloads the archive into `<cacheDir>/<name>/` over HTTP from the mirrors (or from
 * `CSI_<NAME>_URL`) and verifies its SHA-256. The archive is kept as it is and read in place.
 * Throws a DataError that lists every folder searched and every download tried.
 */
export async function acquireCifar(
  description: CifarDatasetDescription,
  options: CifarAcquireOptions,
): Promise<LocatedCifar> {
  const { logger } = options;
  const env = options.env ?? process.env;
  const sha256 = resolveArchiveChecksum(description, env);
  const checked: FolderCheck[] = [];
  for (const candidate of listCifarFolders(description, options)) {
    if (!(await pathExists(candidate.dir))) {
      checked.push({ ...candidate, problem: 'no such folder' });
      continue;
    }
    const result = await inspectCifarFolder(candidate.dir, description, sha256);
    if ('files' in result) return { ...candidate, files: result.files };
    checked.push({ ...candidate, problem: result.problem });
    const absent = result.problem === 'no data files';
    if (!absent || candidate.source === 'root') {
      logger.warn({ dataset: description.name, dir: candidate.dir, problem: result.problem }, 'data folder skipped');
    }
  }

  const expected =
    `${description.archiveName}, or the extracted ${description.archiveFolder}/ folder ` +
    `(${[...description.splitFiles.train, ...description.splitFiles.test].join(', ')})`;
  if (options.download === false) {
    throw new DataError(
      `${description.title} data files not found. Searched:\n${formatChecks(checked)}\n` +
        `Set \`download: true\` in the data set's options, or put ${expected} in the folder given as \`root\`.`,
    );
  }

  const targetDir = join(options.cacheDir ?? defaultCacheDir(env), description.name);
  const targetPath = join(targetDir, description.archiveName);
  try {
    await mkdir(targetDir, { recursive: true });
  } catch (error) {
    throw new DataError(
      `cannot create the cache folder ${targetDir} (${(error as Error).message}). Set XDG_CACHE_HOME ` +
        `to a writable folder, or put the files in a folder given as \`root\` or in $CSI_DATA_DIR/${description.name}.`,
      { cause: error },
    );
  }

  const mirrors = resolveArchiveMirrors(description, env);
  const failures: string[] = [];
  if (mirrors.length === 0) failures.push(`${environmentPrefix(description.name)}_URL names no address`);
  const started = Date.now();
  logger.info({ dataset: description.name, dir: targetDir, bytes: description.archiveBytes }, 'fetching data set');
  for (const mirror of mirrors) {
    const url = `${mirror}${description.archiveName}`;
    try {
      const request = { url, targetPath, sha256 };
      await downloadVerifiedArchive(options.onProgress ? { ...request, onProgress: options.onProgress } : request);
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      logger.info({ dataset: description.name, dir: targetDir, source: 'http', seconds }, 'fetched data set');
      return { dir: targetDir, source: 'http', files: { kind: 'archive', path: targetPath } };
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      failures.push(error.message);
      logger.warn({ dataset: description.name, url, problem: error.message }, 'download failed');
    }
  }
  throw new DataError(
    `${description.title} could not be fetched into ${targetDir}.\n` +
      `Searched:\n${formatChecks(checked)}\n` +
      `Downloads tried:\n${failures.map((line) => `  ${line}`).join('\n')}\n` +
      `Check the network connection, set ${environmentPrefix(description.name)}_URL to a mirror ` +
      `(and ${environmentPrefix(description.name)}_SHA256 if it serves another copy), ` +
      `or put ${expected} in one of the folders searched.`,
  );
}

/**
 * Makes sure the CIFAR data set `name` (`cifar10` or `cifar100`) is on this machine,
 * downloading the archive if needed; the CIFAR counterpart of `fetchDataset`.
 * Throws a UsageError for an unknown name.
 */
export async function fetchCifarDataset(
  name: string,
  options: Omit<CifarAcquireOptions, 'download'>,
): Promise<FetchedDataset> {
  const description = CIFAR_DATASETS[name];
  if (!description) throw new UsageError(describeUnknownName('dataset', name, Object.keys(CIFAR_DATASETS)));
  const { dir, source } = await acquireCifar(description, { ...options, download: true });
  return { dir, source };
}

function formatChecks(checked: readonly FolderCheck[]): string {
  return checked.map((folder) => `  ${folder.dir} (${folder.source}): ${folder.problem ?? 'ok'}`).join('\n');
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

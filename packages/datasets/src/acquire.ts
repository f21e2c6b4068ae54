import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DataError, UsageError, describeUnknownName, type Logger } from '@csi/core';
import { IDX_DATASETS, IDX_FILE_NAMES, type IdxDatasetDescription, type IdxFileName } from './catalog.js';
import { checkContentSha256 } from './checksum.js';
import { extractDebianPackage, findDebianTools } from './download-apt.js';
import { downloadVerifiedFile, type DownloadProgress } from './download-http.js';
import {
  defaultCacheDir,
  environmentPrefix,
  locateDataset,
  resolveChecksums,
  type DatasetOrigin,
  type FolderCheck,
  type LocateOptions,
  type LocatedDataset,
} from './locate.js';

export interface AcquireOptions extends LocateOptions {
  logger: Logger;
  /** Called as each file downloads over HTTP; the `csi` command line draws a progress bar with it. */
  onProgress?: DownloadProgress;
  /** Download into the user cache when no folder contains the files (default true). */
  download?: boolean;
}

/**
 * Returns a folder that contains the data set's four files with the known checksums. Searches the
 * folders of `listCandidateFolders` in order. When none counts and `download` is allowed,
 * obtains the files into `<cacheDir>/<name>`: from the Debian package through
 * `apt-get download` when the data set has one and apt-get and dpkg-deb are on the PATH, else
 * over HTTP from the mirrors (or from `CSI_<NAME>_URL`). Throws a DataError that lists every
 * folder searched and every download tried.
 */
export async function acquireDataset(
  description: IdxDatasetDescription,
  options: AcquireOptions,
): Promise<LocatedDataset> {
  const { logger } = options;
  const { located, checked } = await locateDataset(description, options);
  for (const folder of checked) {
    // An absent folder is the normal case for most candidates, but a `root` the spec names should exist.
    const absent = folder.problem === 'no such folder' || folder.problem === 'no data files';
    if (folder.problem === undefined || (absent && folder.source !== 'root')) continue;
    logger.warn({ dataset: description.name, dir: folder.dir, problem: folder.problem }, 'data folder skipped');
  }
  if (located) return located;

  if (options.download === false) {
    throw new DataError(
      `${description.title} data files not found. Searched:\n${formatChecks(checked)}\n` +
        `Run \`csi data fetch ${description.name}\`, set \`download: true\` in the data set's options, ` +
        `or put ${IDX_FILE_NAMES.map((file) => `${file}.gz`).join(', ')} in the folder given as \`root\`.`,
    );
  }

  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const targetDir = join(cacheDir, description.name);
  const checksums = resolveChecksums(description, env);
  const started = Date.now();
  logger.info({ dataset: description.name, dir: targetDir }, 'fetching data set');
  try {
    await mkdir(targetDir, { recursive: true });
  } catch (error) {
    throw new DataError(
      `cannot create the cache folder ${targetDir} (${(error as Error).message}). Set XDG_CACHE_HOME ` +
        `to a writable folder, or put the files in a folder given as \`root\` or in $CSI_DATA_DIR/${description.name}.`,
      { cause: error },
    );
  }

  const failures: string[] = [];
  const finish = (files: Record<IdxFileName, string>, source: DatasetOrigin): LocatedDataset => {
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    logger.info({ dataset: description.name, dir: targetDir, source, seconds }, 'fetched data set');
    return { dir: targetDir, source, files };
  };

  if (description.debianPackage) {
    const tools = await findDebianTools(env);
    if (!tools) {
      failures.push('apt-get download: apt-get or dpkg-deb is not on the PATH');
    } else {
      try {
        const files = await fetchFromDebian(description, checksums, { tools, cacheDir, targetDir, env, logger });
        return finish(files, 'apt');
      } catch (error) {
        if (!(error instanceof DataError)) throw error;
        failures.push(error.message);
        logger.warn({ dataset: description.name, problem: error.message }, 'apt-get download failed; trying HTTP');
      }
    }
  }

  try {
    const { onProgress } = options;
    const files = await fetchOverHttp(description, checksums, { targetDir, env, logger, onProgress });
    return finish(files, 'http');
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    failures.push(error.message);
  }
  throw new DataError(
    `${description.title} could not be fetched into ${targetDir}.\n` +
      `Searched:\n${formatChecks(checked)}\n` +
      `Downloads tried:\n${failures.map((line) => `  ${line}`).join('\n')}\n` +
      `Check the network connection, set ${environmentPrefix(description.name)}_URL to a mirror, ` +
      `or put the four files in one of the folders searched.`,
  );
}

/** Result of `fetchDataset`: the folder that contains the files and how they got there. */
export interface FetchedDataset {
  dir: string;
  source: DatasetOrigin;
}

/**
 * Makes sure the data set `name` is on this machine, downloading it if needed, for
 * `csi data fetch NAME`. Throws a UsageError for an unknown name and a DataError when the files
 * can be neither found nor fetched.
 */
export async function fetchDataset(
  name: string,
  options: Omit<AcquireOptions, 'download'>,
): Promise<FetchedDataset> {
  const description = IDX_DATASETS[name];
  if (!description) throw new UsageError(describeUnknownName('dataset', name, Object.keys(IDX_DATASETS)));
  const { dir, source } = await acquireDataset(description, { ...options, download: true });
  return { dir, source };
}

interface DebianFetch {
  tools: NonNullable<Awaited<ReturnType<typeof findDebianTools>>>;
  cacheDir: string;
  targetDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

async function fetchFromDebian(
  description: IdxDatasetDescription,
  checksums: Readonly<Record<IdxFileName, string>>,
  { tools, cacheDir, targetDir, env, logger }: DebianFetch,
): Promise<Record<IdxFileName, string>> {
  const debianPackage = description.debianPackage;
  if (!debianPackage) throw new DataError(`${description.title} has no Debian package`);
  // The work folder sits in the cache folder, so the final rename stays on one file system.
  await mkdir(cacheDir, { recursive: true });
  const workDir = await mkdtemp(join(cacheDir, `.${description.name}-apt-`));
  try {
    logger.info({ dataset: description.name, package: debianPackage.name }, 'running apt-get download');
    const dataDir = await extractDebianPackage(tools, debianPackage, workDir, env);
    const problems: string[] = [];
    const extracted: Partial<Record<IdxFileName, string>> = {};
    for (const file of IDX_FILE_NAMES) {
      const path = join(dataDir, `${file}.gz`);
      const check = await checkContentSha256(path, checksums[file]);
      if (check.ok) extracted[file] = path;
      else problems.push(check.problem);
    }
    if (problems.length > 0) {
      throw new DataError(`package ${debianPackage.name} failed verification: ${problems.join('; ')}`);
    }
    await mkdir(targetDir, { recursive: true });
    const files: Partial<Record<IdxFileName, string>> = {};
    for (const file of IDX_FILE_NAMES) {
      const source = extracted[file] as string;
      const target = join(targetDir, basename(source));
      await rename(source, target);
      files[file] = target;
    }
    return files as Record<IdxFileName, string>;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

interface HttpFetch {
  targetDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  onProgress: DownloadProgress | undefined;
}

async function fetchOverHttp(
  description: IdxDatasetDescription,
  checksums: Readonly<Record<IdxFileName, string>>,
  { targetDir, env, logger, onProgress }: HttpFetch,
): Promise<Record<IdxFileName, string>> {
  const mirrors = resolveMirrors(description, env);
  if (mirrors.length === 0) {
    throw new DataError(`${environmentPrefix(description.name)}_URL names no address; set it to a base URL or unset it`);
  }
  const files: Partial<Record<IdxFileName, string>> = {};
  for (const file of IDX_FILE_NAMES) {
    const targetPath = join(targetDir, `${file}.gz`);
    // A file that an earlier, interrupted fetch completed is kept rather than downloaded again.
    if ((await checkContentSha256(targetPath, checksums[file])).ok) {
      files[file] = targetPath;
      continue;
    }
    const problems: string[] = [];
    for (const mirror of mirrors) {
      const url = `${mirror}${file}.gz`;
      try {
        logger.debug({ dataset: description.name, url }, 'downloading');
        const request = { url, targetPath, sha256: checksums[file] };
        await downloadVerifiedFile(onProgress ? { ...request, onProgress } : request);
        files[file] = targetPath;
        break;
      } catch (error) {
        if (!(error instanceof DataError)) throw error;
        problems.push(error.message);
        logger.warn({ dataset: description.name, url, problem: error.message }, 'download failed');
      }
    }
    if (files[file] === undefined) throw new DataError(problems.join('; '));
  }
  return files as Record<IdxFileName, string>;
}

/** Returns the mirrors of a data set, or the base addresses in `CSI_<NAME>_URL` (comma-separated). */
export function resolveMirrors(description: IdxDatasetDescription, env: NodeJS.ProcessEnv = process.env): string[] {
  const text = env[`${environmentPrefix(description.name)}_URL`];
  const bases = text && text.trim() !== '' ? text.split(',') : [...description.mirrors];
  return bases
    .map((base) => base.trim())
    .filter((base) => base !== '')
    .map((base) => (base.endsWith('/') ? base : `${base}/`));
}

function formatChecks(checked: readonly FolderCheck[]): string {
  return checked.map((folder) => `  ${folder.dir} (${folder.source}): ${folder.problem ?? 'ok'}`).join('\n');
}

import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { DataError } from '@csi/core';
import type { DebianPackage } from './catalog.js';

const execFileAsync = promisify(execFile);

/** Returns the path of an executable found on `pathVariable` (a PATH value), or undefined. */
export async function findExecutable(name: string, pathVariable: string | undefined): Promise<string | undefined> {
  for (const folder of (pathVariable ?? '').split(delimiter)) {
    if (folder === '' || !isAbsolute(folder)) continue;
    const candidate = join(folder, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not in this folder; try the next one.
    }
  }
  return undefined;
}

/** The two programs the Debian path needs, when both are on the PATH. */
export interface DebianTools {
  aptGet: string;
  dpkgDeb: string;
}

/**
 * Finds apt-get and dpkg-deb on the PATH of `env`. Both are needed: Node has no xz decoder for
 * a package's data.tar.xz, and every system with apt-get has dpkg-deb, because apt depends on dpkg.
 */
export async function findDebianTools(env: NodeJS.ProcessEnv): Promise<DebianTools | undefined> {
  const aptGet = await findExecutable('apt-get', env.PATH);
  const dpkgDeb = await findExecutable('dpkg-deb', env.PATH);
  return aptGet && dpkgDeb ? { aptGet, dpkgDeb } : undefined;
}

/**
 * Downloads a Debian package with `apt-get download` into `workDir` (no root needed, nothing is
 * installed) and extracts it there with `dpkg-deb -x`. Returns the folder that contains the
 * package's data files. Throws a DataError with the tool's own message when either step fails.
 */
export async function extractDebianPackage(
  tools: DebianTools,
  debianPackage: DebianPackage,
  workDir: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  await runTool(tools.aptGet, ['download', debianPackage.name], workDir, env);
  const archives = (await readdir(workDir)).filter((entry) => entry.endsWith('.deb'));
  const archive = archives[0];
  if (archives.length !== 1 || archive === undefined) {
    throw new DataError(
      `apt-get download ${debianPackage.name} left ${archives.length} .deb files in ${workDir}, expected 1`,
    );
  }
  const extractDir = join(workDir, 'extracted');
  await runTool(tools.dpkgDeb, ['-x', join(workDir, archive), extractDir], workDir, env);
  return join(extractDir, debianPackage.dataDir);
}

async function runTool(program: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await execFileAsync(program, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    const detail = lastLines(failure.stderr ?? '') || failure.message;
    throw new DataError(`${program} ${args.join(' ')} failed: ${detail}`, { cause: error });
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

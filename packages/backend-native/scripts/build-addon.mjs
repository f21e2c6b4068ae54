// Builds the oneDNN addon with node-gyp and records the outcome in build/status.json.
// It always exits 0: a machine without oneDNN or a C++ compiler still gets a working package,
// and registerNativeBackend() then reports the recorded reason.
//
// binding.gyp sits in native/, not in the package root: with a root binding.gyp, npm and pnpm
// run `node-gyp rebuild` on install by default, which fails the install without oneDNN and
// wipes build/ under any build running at the time. node-gyp therefore builds in native/build/,
// and the finished addon is copied to build/Release/csi_native.node.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOneDnn } from './toolchain.mjs';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(packageDir, 'native');
const compiledAddonPath = path.join(nativeDir, 'build', 'Release', 'csi_native.node');
const buildDir = path.join(packageDir, 'build');
const addonPath = path.join(buildDir, 'Release', 'csi_native.node');
const statusPath = path.join(buildDir, 'status.json');
const lockPath = path.join(buildDir, 'build-addon.lock');
// A full build takes about a minute on 2 cores; a lock older than this is left by a killed build.
// Age is the only test: process ids need not be visible across the sandboxes sharing a checkout.
const STALE_LOCK_MS = 5 * 60 * 1000;
const INSTALL_HINT = 'Install oneDNN (`apt-get install libdnnl-dev`, or set DNNL_ROOT to a oneDNN install) ' +
  'and a C++17 compiler, then run `pnpm --filter @csi/backend-native build`.';

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  // An addon left from an earlier build may not match the current sources. After a failure the
  // package must report the failure instead of loading it.
  if (!status.available) rmSync(addonPath, { force: true });
  writeFileSync(statusPath, `${JSON.stringify(status, null, 2)}\n`);
  const summary = status.available
    ? `native addon built (oneDNN ${status.oneDnnVersion}, ${status.maxThreads} threads)`
    : `native addon not built: ${status.reason}`;
  console.log(`@csi/backend-native: ${summary}`);
}

function lastLines(text, count) {
  return text.trim().split('\n').slice(-count).join('\n');
}

// The first compiler errors name the cause, unlike node-gyp's own closing lines.
function compilerErrors(text) {
  const errors = text.split('\n').filter((line) => /\berror\b/i.test(line) && !line.startsWith('gyp ERR!'));
  return errors.length > 0 ? errors.slice(0, 8).join('\n') : lastLines(text, 25);
}

// node-gyp downloads Node headers unless --nodedir names a directory that has them. A Node installed
// from a distribution package keeps them beside the binary (/usr/bin/node -> /usr/include/node),
// and the download fails on machines without network access.
function nodeHeaderArguments() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function runNodeGyp(nodeGyp, args) {
  return spawnSync(process.execPath, [nodeGyp, ...args], { cwd: nativeDir, encoding: 'utf8', env: process.env });
}

// Copy, then rename into place, so a process loading the addon meanwhile never loads a partial file.
function installAddon() {
  mkdirSync(path.dirname(addonPath), { recursive: true });
  const partial = `${addonPath}.${process.pid}.partial`;
  copyFileSync(compiledAddonPath, partial);
  renameSync(partial, addonPath);
}

function build() {
  const oneDnn = findOneDnn();
  if (oneDnn.missing) {
    writeStatus({ available: false, reason: oneDnn.missing, fix: INSTALL_HINT });
    return;
  }

  const require = createRequire(import.meta.url);
  let nodeGyp;
  try {
    nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch (error) {
    writeStatus({ available: false, reason: `node-gyp is not installed: ${error.message}`, fix: INSTALL_HINT });
    return;
  }
  const jobs = String(os.availableParallelism?.() ?? os.cpus().length);
  // configure + build instead of rebuild: no clean step, so a previously built addon stays usable
  // while this build runs (other processes may load it meanwhile) and make recompiles only what
  // changed.
  let compile = runNodeGyp(nodeGyp, ['configure', ...nodeHeaderArguments()]);
  if (compile.status === 0) compile = runNodeGyp(nodeGyp, ['build', `--jobs=${jobs}`]);
  if (compile.status !== 0) {
    const output = `${compile.stdout ?? ''}\n${compile.stderr ?? ''}\n${compile.error?.message ?? ''}`;
    writeStatus({
      available: false,
      reason: `node-gyp failed (exit ${compile.status}):\n${compilerErrors(output)}`,
      fix: INSTALL_HINT,
    });
    return;
  }

  installAddon();

  // Load the addon in a child process: a missing shared library or an unsupported CPU then
  // shows up here, with its message, instead of at the first training step.
  const probe = spawnSync(
    process.execPath,
    ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(addonPath)}).describeRuntime()))`],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0) {
    writeStatus({
      available: false,
      reason: `the addon was built but failed to load: ${lastLines(probe.stderr ?? '', 10)}`,
      fix: INSTALL_HINT,
    });
    return;
  }
  const runtime = JSON.parse(probe.stdout);
  writeStatus({ available: true, oneDnnVersion: runtime.oneDnnVersion, maxThreads: runtime.maxThreads });
}

// Several `pnpm build` runs may start at once in one checkout (turbo in parallel terminals), and
// two node-gyp runs in one build/ directory break each other. The lock serialises them; the
// second then finds everything up to date.
async function withBuildLock(work) {
  mkdirSync(buildDir, { recursive: true });
  for (;;) {
    try {
      const descriptor = openSync(lockPath, 'wx');
      writeFileSync(descriptor, String(process.pid));
      closeSync(descriptor);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (lockIsStale()) {
        rmSync(lockPath, { force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    work();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function lockIsStale() {
  try {
    return Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS;
  } catch (error) {
    // ENOENT: the lock was released meanwhile; try again.
    return error.code === 'ENOENT';
  }
}

await withBuildLock(build);

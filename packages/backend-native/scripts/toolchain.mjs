// Finds oneDNN and picks compiler flags for the addon. build-addon.mjs imports it to decide
// whether to build; binding.gyp runs it as a command (`node scripts/toolchain.mjs <what>`) so
// that both read the same answer.
//
// DNNL_ROOT, when set, names a oneDNN install (include/ and lib/ below it), for example a
// release archive unpacked outside the system paths.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SYSTEM_INCLUDE_DIRS = ['/usr/include', '/usr/local/include'];
const SYSTEM_LIBRARY_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

/**
 * Locates dnnl.hpp and libdnnl.so. Returns { includeDir, libraryDir, custom } or
 * { missing: 'why' } when either is absent.
 */
export function findOneDnn(env = process.env) {
  const root = env.DNNL_ROOT;
  const includeDirs = root ? [path.join(root, 'include')] : SYSTEM_INCLUDE_DIRS;
  const libraryDirs = root ? [path.join(root, 'lib'), path.join(root, 'lib64')] : SYSTEM_LIBRARY_DIRS;
  const includeDir = includeDirs.find((dir) => existsSync(path.join(dir, 'dnnl.hpp')));
  const libraryDir = libraryDirs.find((dir) => existsSync(path.join(dir, 'libdnnl.so')));
  const where = root ? `under DNNL_ROOT=${root}` : 'in the system paths';
  if (!includeDir) return { missing: `dnnl.hpp (oneDNN headers) not found ${where}` };
  if (!libraryDir) return { missing: `libdnnl.so (oneDNN library) not found ${where}` };
  return { includeDir, libraryDir, custom: Boolean(root) };
}

/**
 * Flags for the addon's own loops. oneDNN picks its instruction set at run time by itself;
 * these only affect the element-wise and reduction loops. The addon is built on the machine that
 * runs it, so the flags follow this CPU's /proc/cpuinfo.
 */
export function simdFlags(cpuInfo = readCpuInfo(), arch = process.arch) {
  if (arch !== 'x64' || cpuInfo === null) return [];
  const flags = new Set((cpuInfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
  if (['avx2', 'fma', 'f16c', 'bmi2'].every((flag) => flags.has(flag))) return ['-mavx2', '-mfma', '-mf16c'];
  if (['sse4_2', 'popcnt'].every((flag) => flags.has(flag))) return ['-march=x86-64-v2'];
  return [];
}

function readCpuInfo() {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

function commandLineAnswer(what) {
  const found = findOneDnn();
  switch (what) {
    case 'include-dirs':
      return found.includeDir && found.custom ? [found.includeDir] : [];
    case 'library-flags':
      return found.libraryDir && found.custom ? [`-L${found.libraryDir}`, '-ldnnl'] : ['-ldnnl'];
    case 'rpath-flags':
      return found.libraryDir && found.custom ? [`-Wl,-rpath,${found.libraryDir}`] : [];
    case 'simd-flags':
      return simdFlags();
    default:
      throw new Error(`unknown query "${what}"; expected include-dirs, library-flags, rpath-flags or simd-flags`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${commandLineAnswer(process.argv[2]).join(' ')}\n`);
}

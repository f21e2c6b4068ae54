import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Runtime facts that the addon's `describeRuntime()` returns. */
export interface NativeRuntime {
  oneDnnVersion: string;
  /** oneDNN's CPU threading runtime id (2 = OpenMP). */
  oneDnnCpuRuntime: number;
  maxThreads: number;
  cachedConvolutions: number;
  cachedMatMuls: number;
}

/**
 * Functions of the compiled addon (native/*.cc). Each checks every buffer length against the
 * sizes it is given and throws a TypeError on a mismatch. Functions returning a boolean return
 * false when oneDNN has no implementation for the request; the caller then uses the cpu kernel.
 */
export interface NativeAddon {
  describeRuntime(): NativeRuntime;
  /** Drops the cached oneDNN primitives. */
  clearCaches(): void;
  conv2dForward(
    x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array,
    geometry: number[], activationCode: number, leakyReluAlpha: number,
  ): boolean;
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: number[]): boolean;
  conv2dBackwardFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: number[]): boolean;
  matMul(
    a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array,
    geometry: number[], activationCode: number, leakyReluAlpha: number,
  ): boolean;
  binary(
    opCode: number, a: Float32Array, b: Float32Array, out: Float32Array,
    dims: number[], stridesA: number[], stridesB: number[],
  ): void;
  unary(opCode: number, x: Float32Array, out: Float32Array, alpha: number, beta: number): void;
  compare(
    opCode: number, a: Float32Array | Int32Array, b: Float32Array | Int32Array, out: Uint8Array,
    dims: number[], stridesA: number[], stridesB: number[],
  ): void;
  stridedCopy(
    x: Float32Array | Int32Array, out: Float32Array | Int32Array, dims: number[],
    stridesX: number[], stridesOut: number[],
  ): void;
  batchNorm(
    x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null,
    scale: Float32Array | null, out: Float32Array, channels: number, epsilon: number,
  ): void;
  batchNormStatistics(x: Float32Array, mean: Float32Array, variance: Float32Array, channels: number): void;
  batchNormForward(
    x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array | null,
    beta: Float32Array | null, residual: Float32Array | null, y: Float32Array, channels: number,
    epsilon: number, relu: boolean,
  ): void;
  batchNormBackward(
    dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array | null,
    y: Float32Array | null, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    dResidual: Float32Array | null, channels: number, epsilon: number,
  ): void;
  reduce(
    opCode: number, x: Float32Array, out: Float32Array, outer: number, reduceSize: number,
    inner: number, scale: number,
  ): void;
}

// Codes understood by native/common.h (Activation), native/elementwise.cc (BinaryOp, UnaryOp,
// ComparisonOp) and native/reduction.cc (ReduceOp).
export const ACTIVATION_CODES = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, elu: 4, sigmoid: 5 } as const;
export const BINARY_OP_CODES = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4, Maximum: 5, Minimum: 6, Pow: 7,
} as const;
export const UNARY_OP_CODES = {
  Neg: 0, Square: 1, Sqrt: 2, Rsqrt: 3, Exp: 4, Log: 5, Abs: 6, Reciprocal: 7,
  Relu: 8, Relu6: 9, LeakyRelu: 10, Elu: 11, Sigmoid: 12, Step: 13, Tanh: 14, ClipByValue: 15,
} as const;
export const COMPARISON_OP_CODES = {
  Equal: 0, NotEqual: 1, Greater: 2, GreaterEqual: 3, Less: 4, LessEqual: 5,
} as const;
export const REDUCE_OP_CODES = { sum: 0, max: 1, min: 2 } as const;

/** The install steps that every "unavailable" message ends with. */
export const INSTALL_HINT =
  'To get it: `apt-get install libdnnl-dev` (oneDNN 2.x), then `pnpm --filter @csi/backend-native build`.';

// src/ and dist/ both sit one level below the package root, where node-gyp writes build/.
const ADDON_PATH = fileURLToPath(new URL('../build/Release/csi_native.node', import.meta.url));
const STATUS_PATH = fileURLToPath(new URL('../build/status.json', import.meta.url));

type LoadResult = { addon: NativeAddon; runtime: NativeRuntime } | { reason: string };
let loadResult: LoadResult | undefined;

/**
 * Loads the addon once per process. Returns the addon, or the reason it is unavailable: the one
 * build/status.json records, or the loader's error.
 */
export function loadNativeAddon(): LoadResult {
  if (loadResult === undefined) loadResult = tryLoad();
  return loadResult;
}

function tryLoad(): LoadResult {
  if (!existsSync(ADDON_PATH)) return { reason: describeMissingAddon(ADDON_PATH, STATUS_PATH) };
  // libgomp reads its settings once, when the addon pulls it in. By default its idle threads spin
  // before they sleep, but between kernels only the JS thread works. On a 2-core EPYC VM shared
  // with other processes, that spinning made a 2-thread training step of bench/step.mjs 3-4x
  // slower. Passive threads sleep at once. An explicit OMP_WAIT_POLICY is left alone.
  process.env['OMP_WAIT_POLICY'] ??= 'passive';
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    return { addon, runtime: addon.describeRuntime() };
  } catch (error) {
    return { reason: `the addon ${ADDON_PATH} failed to load: ${(error as Error).message}` };
  }
}

/**
 * Explains a missing addon from the build record that scripts/build-addon.mjs writes
 * (`{ available, reason, fix }`), or from the record's absence.
 */
export function describeMissingAddon(addonPath: string, statusPath: string): string {
  if (!existsSync(statusPath)) {
    return `the addon has not been built (neither ${addonPath} nor ${statusPath} exists)`;
  }
  try {
    const status = JSON.parse(readFileSync(statusPath, 'utf8')) as { reason?: unknown };
    return typeof status.reason === 'string'
      ? `the addon build was skipped or failed: ${status.reason}`
      : `the addon is missing at ${addonPath} although ${statusPath} records no failure`;
  } catch (error) {
    return `the addon is missing and ${statusPath} is unreadable: ${(error as Error).message}`;
  }
}

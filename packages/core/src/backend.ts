import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';
import { registerGradients } from './gradients.js';
import type { Logger } from './logger.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';

/** Backend names accepted by the spec's `backend:` key and `--backend`. */
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The order `auto` tries; the first one that loads wins. */
const AUTO_ORDER: readonly Exclude<BackendChoice, 'auto'>[] = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm'];

export interface BackendSelection {
  /** The choice that won, e.g. 'native'. */
  choice: Exclude<BackendChoice, 'auto'>;
  /** The TensorFlow.js backend name now active, e.g. 'tensorflow' for tfjs-node. */
  tfjsName: string;
  /** For `auto`: why each earlier candidate was skipped. */
  skipped: { choice: string; reason: string }[];
}

/**
 * Loads and activates a tensor backend. `tensorflow-gpu` and `tensorflow` are the optional peers
 * @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node; `native` is @csi/backend-native (oneDNN);
 * `wasm` is @tensorflow/tfjs-backend-wasm; `cpu` is the pure-JS reference, fit only for tiny tests.
 * `auto` tries them in that order, skipping `cpu`, and logs one warning when the fast CPU
 * backend could not be used.
 */
export async function setupBackend(choice: BackendChoice, logger: Logger): Promise<BackendSelection> {
  await registerGradients();
  if (choice !== 'auto') {
    const tfjsName = await activate(choice);
    return { choice, tfjsName, skipped: [] };
  }

  const skipped: { choice: string; reason: string }[] = [];
  for (const candidate of AUTO_ORDER) {
    try {
      const tfjsName = await activate(candidate);
      const nativeSkip = skipped.find((entry) => entry.choice === 'native');
      if (nativeSkip && candidate === 'wasm') {
        logger.warn(
          { backend: 'wasm', nativeError: nativeSkip.reason },
          `using the slower wasm backend because the native backend is unavailable: ${nativeSkip.reason}`,
        );
      }
      logger.info({ backend: candidate, tfjsName, skipped }, 'tensor backend selected');
      return { choice: candidate, tfjsName, skipped };
    } catch (error) {
      skipped.push({ choice: candidate, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const reasons = skipped.map((entry) => `  ${entry.choice}: ${entry.reason}`).join('\n');
  throw new BackendError(`no tensor backend could be loaded:\n${reasons}\nSet \`backend: cpu\` to use the slow reference backend.`);
}

async function activate(choice: Exclude<BackendChoice, 'auto'>): Promise<string> {
  switch (choice) {
    case 'tensorflow-gpu':
      await importOptional('@tensorflow/tfjs-node-gpu', 'pnpm add @tensorflow/tfjs-node-gpu (needs CUDA and cuDNN)');
      return setActive('tensorflow');
    case 'tensorflow':
      await importOptional('@tensorflow/tfjs-node', 'pnpm add @tensorflow/tfjs-node');
      return setActive('tensorflow');
    case 'native': {
      const native = (await importOptional('@csi/backend-native', 'pnpm add @csi/backend-native')) as {
        registerNativeBackend: () => string;
      };
      return setActive(native.registerNativeBackend());
    }
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      // The wasm package lacks Conv2DBackpropFilter and runs several training kernels slowly.
      registerWasmTrainingKernels();
      return setActive('wasm');
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return setActive('cpu');
  }
}

async function importOptional(specifier: string, installHint: string): Promise<unknown> {
  try {
    // A variable specifier keeps TypeScript from requiring the optional package at build time.
    const moduleName: string = specifier;
    return await import(moduleName);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(specifier)) {
      throw new BackendError(`${specifier} is not installed (${installHint})`, { cause: error });
    }
    throw new BackendError(`${specifier} failed to load: ${(error as Error).message}`, { cause: error });
  }
}

async function setActive(tfjsName: string): Promise<string> {
  const ok = await tf.setBackend(tfjsName);
  if (!ok) throw new BackendError(`TensorFlow.js backend "${tfjsName}" failed to initialise`);
  await tf.ready();
  return tfjsName;
}

import * as tf from '@tensorflow/tfjs-core';
import { parse } from 'yaml';
import { RunError, UsageError, type Network } from '@csi/core';
import type { Optimizer } from '../optim/index.js';
import { formatSpecPath, type SpecPathSegment } from '../spec/source-tree.js';
import { CHECKPOINT_FILE, loadCheckpoint, type Checkpoint } from './checkpoint.js';

/** Differences listed in the message of a refused resume; the rest are counted. */
const MAX_LISTED_DIFFERENCES = 6;

/**
 * Loads the checkpoint that `--resume` continues from, or returns undefined when `runDir` has
 * none (the run then starts from epoch 1). Throws a UsageError when the checkpoint was made with
 * another resolved spec, listing the spec paths that differ, because continuing a run under
 * changed settings would give results that neither spec describes.
 */
export function loadResumeCheckpoint(runDir: string, specHash: string, resolvedSpecYaml: string): Checkpoint | undefined {
  const checkpoint = loadCheckpoint(runDir);
  if (!checkpoint || checkpoint.specHash === specHash) return checkpoint;

  const differences = checkpoint.specYaml === undefined ? [] : describeSpecDifferences(checkpoint.specYaml, resolvedSpecYaml);
  const listed = differences.slice(0, MAX_LISTED_DIFFERENCES).map((line) => `\n  ${line}`).join('');
  const more = differences.length > MAX_LISTED_DIFFERENCES ? `\n  and ${differences.length - MAX_LISTED_DIFFERENCES} more` : '';
  const details = differences.length > 0 ? `; it differs in:${listed}${more}\n` : '. ';
  throw new UsageError(
    `cannot resume ${runDir}: its ${CHECKPOINT_FILE} (epoch ${checkpoint.epoch}) was made with a different resolved spec${details}` +
      'Resume with the same spec, --set values and --backend, or start a new run in another --out folder.',
  );
}

/**
 * Lists the paths where two resolved specs (YAML) differ, as `train.epochs: 4 in the checkpoint,
 * 5 now`, in the order the paths have in the specs.
 */
export function describeSpecDifferences(savedYaml: string, currentYaml: string): string[] {
  const saved = flattenValues(parse(savedYaml) as unknown);
  const current = flattenValues(parse(currentYaml) as unknown);
  const paths = new Set([...saved.keys(), ...current.keys()]);
  const lines: string[] = [];
  for (const path of paths) {
    const before = saved.get(path);
    const after = current.get(path);
    if (before === after) continue;
    lines.push(`${path}: ${before ?? '(absent)'} in the checkpoint, ${after ?? '(absent)'} now`);
  }
  return lines;
}

// Maps every leaf (and every empty list or map) to its value as JSON, keyed by its spec path.
function flattenValues(value: unknown, path: SpecPathSegment[] = [], into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, index) => flattenValues(item, [...path, index], into));
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) flattenValues(child, [...path, key], into);
  } else {
    into.set(formatSpecPath(path), JSON.stringify(value));
  }
  return into;
}

/**
 * Copies the checkpoint's trainable weights and batch-norm statistics into `network`. Throws a
 * RunError when a variable is missing from the checkpoint or has another shape there, which
 * means the checkpoint was made with another model.
 */
export function restoreWeights(network: Network, checkpoint: Checkpoint): void {
  const all = new Map([...network.trainableVariables, ...network.stateVariables]);
  for (const [name, variable] of all) {
    const stored = checkpoint.weights.get(name);
    if (!stored) {
      throw new RunError(`checkpoint has no weights for "${name}": it was made with another model.backbone; use the spec that made it`);
    }
    if (stored.shape.join('x') !== variable.shape.join('x')) {
      throw new RunError(
        `checkpoint weights "${name}" have shape [${stored.shape.join(', ')}] but the model needs [${variable.shape.join(', ')}]; use the spec that made the checkpoint`,
      );
    }
    const value = tf.tensor(stored.values, stored.shape);
    variable.assign(value);
    value.dispose();
  }
}

/** Loads the checkpoint's optimiser buffers (LARS and SGD momentum, Adam moments and step counts). */
export function restoreOptimizerState(optimizer: Optimizer, checkpoint: Checkpoint): void {
  const state = new Map([...checkpoint.optimizerState].map(([name, array]) => [name, tf.tensor(array.values, array.shape)]));
  try {
    optimizer.setState(state);
  } finally {
    tf.dispose([...state.values()]);
  }
}

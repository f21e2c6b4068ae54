import * as tf from '@tensorflow/tfjs-core';
import { DataError, type Network } from '@csi/core';
import { HEAD_NAME_PREFIXES } from './heads.js';

/** A weight as a checkpoint stores it: flat float32 values in the variable's row-major order, or a tensor. */
export type WeightValues = Float32Array | tf.Tensor;

/**
 * Counts the trainable scalars of `network` (batch-norm running statistics excluded). With
 * `includeHeads: false`, leaves out the variables of the projection and shift heads
 * (names starting with `projectionHead.` or `shiftHead.`).
 */
export function countParameters(network: Network, options: { includeHeads?: boolean } = {}): number {
  const includeHeads = options.includeHeads ?? true;
  let count = 0;
  for (const [name, variable] of network.trainableVariables) {
    if (!includeHeads && HEAD_NAME_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    count += variable.size;
  }
  return count;
}

/**
 * Copies every trainable and state variable of `network` into a new Float32Array, keyed by
 * stable name. The shapes are those of `network.trainableVariables` and `network.stateVariables`.
 * Reads the values synchronously, so on an accelerator backend it waits for pending work.
 */
export function getWeights(network: Network): Map<string, Float32Array> {
  const weights = new Map<string, Float32Array>();
  for (const [name, variable] of allVariables(network)) {
    weights.set(name, Float32Array.from(variable.dataSync() as Float32Array));
  }
  return weights;
}

/**
 * Overwrites every trainable and state variable of `network` with the value of the same name in
 * `weights`. A tensor must have the variable's shape and dtype float32; a Float32Array must have
 * the variable's size, in row-major order. The caller keeps ownership of tensors in `weights`.
 *
 * Checks everything before writing anything, and throws one DataError listing every missing
 * name, unknown name and mismatched shape (the name, the expected shape and what was found).
 */
export function setWeights(network: Network, weights: ReadonlyMap<string, WeightValues>): void {
  const variables = allVariables(network);
  const problems: string[] = [];
  for (const [name, variable] of variables) {
    const value = weights.get(name);
    if (value === undefined) {
      problems.push(`missing "${name}" (expected shape [${variable.shape.join(', ')}])`);
      continue;
    }
    const mismatch = describeMismatch(variable, value);
    if (mismatch) problems.push(`"${name}": ${mismatch}`);
  }
  for (const name of weights.keys()) {
    if (!variables.has(name)) problems.push(`unknown "${name}": the network has no variable of that name`);
  }
  if (problems.length > 0) {
    throw new DataError(
      `setWeights: the weights do not fit the network (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  ${problem}`).join('\n') +
        '\nLoad weights saved from a network built with the same backbone options, image shape, K and P.',
    );
  }

  for (const [name, variable] of variables) {
    const value = weights.get(name)!;
    const tensor = value instanceof tf.Tensor ? value : tf.tensor(value, variable.shape, 'float32');
    variable.assign(tensor);
    if (tensor !== value) tensor.dispose();
  }
}

function allVariables(network: Network): Map<string, tf.Variable> {
  return new Map([...network.trainableVariables, ...network.stateVariables]);
}

function describeMismatch(variable: tf.Variable, value: WeightValues): string | undefined {
  const expected = `[${variable.shape.join(', ')}]`;
  if (value instanceof tf.Tensor) {
    if (value.dtype !== 'float32') return `expected dtype float32, found ${value.dtype}`;
    const sameShape = value.shape.length === variable.shape.length && value.shape.every((size, i) => size === variable.shape[i]);
    return sameShape ? undefined : `expected shape ${expected}, found [${value.shape.join(', ')}]`;
  }
  if (!(value instanceof Float32Array)) return `expected a Float32Array or a tensor, found ${describeType(value)}`;
  return value.length === variable.size
    ? undefined
    : `expected shape ${expected} (${variable.size} values), found ${value.length} values`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}

import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '@csi/core';

/**
 * Per-variable state tensors of one kind (TensorFlow calls them slots): the momentum buffers of
 * SGD, for example. The slots own their tensors and dispose a replaced one.
 */
export class OptimizerSlots {
  private readonly tensors = new Map<string, tf.Tensor>();

  /** `slotName` is the state-key prefix, e.g. `momentumBuffer`. */
  constructor(readonly slotName: string) {}

  /**
   * Returns the slot of `variableName`, or undefined before its first step. Throws a DataError when
   * a slot loaded by `load` does not have the variable's shape.
   */
  get(variableName: string, variable: tf.Variable): tf.Tensor | undefined {
    const tensor = this.tensors.get(variableName);
    if (tensor === undefined) return undefined;
    const sameShape = tensor.shape.length === variable.shape.length && tensor.shape.every((size, i) => size === variable.shape[i]);
    if (!sameShape) {
      throw new DataError(
        `optimizer state "${this.slotName}/${variableName}" has shape [${tensor.shape.join(', ')}], but the variable ` +
          `has shape [${variable.shape.join(', ')}]; load the optimizer state saved with this network`,
      );
    }
    return tensor;
  }

  /** Stores `tensor` (which the slots now own) and disposes the one it replaces. */
  set(variableName: string, tensor: tf.Tensor): void {
    const previous = this.tensors.get(variableName);
    this.tensors.set(variableName, tensor);
    if (previous !== undefined && previous !== tensor) previous.dispose();
  }

  /** Adds a copy of every slot to `state` under `<slotName>/<variable name>`. */
  save(state: Map<string, tf.Tensor>): void {
    for (const [name, tensor] of this.tensors) state.set(`${this.slotName}/${name}`, tf.clone(tensor));
  }

  /** Replaces every slot with a copy of the entries of `state` under this slot name. */
  load(state: ReadonlyMap<string, tf.Tensor>): void {
    this.dispose();
    const prefix = `${this.slotName}/`;
    for (const [key, tensor] of state) {
      if (key.startsWith(prefix)) this.tensors.set(key.slice(prefix.length), tf.clone(tensor));
    }
  }

  dispose(): void {
    for (const tensor of this.tensors.values()) tensor.dispose();
    this.tensors.clear();
  }
}

/** Throws a DataError listing every key of `state` that none of `slots` uses. */
export function rejectUnknownStateKeys(
  optimizerName: string,
  state: ReadonlyMap<string, tf.Tensor>,
  slots: readonly OptimizerSlots[],
): void {
  const prefixes = slots.map((slot) => `${slot.slotName}/`);
  const unknown = [...state.keys()].filter((key) => !prefixes.some((prefix) => key.startsWith(prefix)));
  if (unknown.length > 0) {
    const known = prefixes.map((prefix) => `${prefix}<variable>`).join(', ');
    throw new DataError(
      `${optimizerName}: unknown optimizer state ${unknown.map((key) => `"${key}"`).join(', ')}; ` +
        `this optimizer keeps ${known}. Was the state saved by another optimizer?`,
    );
  }
}

import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { RunError, ShapeError } from '@csi/core';
import type { OptimizerName } from '../spec/types.js';

/**
 * Updates trainable variables from their gradients, in place. Gradients and variables are keyed
 * by the network's stable variable names (the checkpoint keys).
 */
export interface Optimizer {
  readonly name: OptimizerName;
  /**
   * Takes one step for every variable that has a gradient. A variable without one keeps its
   * value and its state, as PyTorch does for a parameter whose `grad` is None. Each gradient has
   * its variable's shape and dtype float32. `learningRate` is the rate for this step (from the
   * schedule). The caller keeps ownership of the gradients.
   */
  applyGradients(grads: ReadonlyMap<string, Tensor>, variables: ReadonlyMap<string, Variable>, learningRate: number): void;
  /**
   * Returns copies of the per-variable state (momentum buffers, Adam moments and step counts),
   * keyed `<slot>/<variable name>`, e.g. `momentumBuffer/stem.conv.kernel`. The caller disposes them.
   */
  getState(): Map<string, Tensor>;
  /**
   * Replaces the state with copies of `state` as `getState` returned it, so that the next step
   * equals the one the saved optimiser would have taken. The caller keeps ownership of `state`.
   * Throws a DataError for a key this optimiser does not use. A state tensor whose shape does not
   * fit its variable raises a DataError at the next `applyGradients`.
   */
  setState(state: ReadonlyMap<string, Tensor>): void;
  /** Frees the state tensors. */
  dispose(): void;
}

/**
 * Throws unless every gradient has a variable of the same name and shape, and the learning rate
 * is a finite number ≥ 0.
 */
export function validateStep(
  optimizerName: OptimizerName,
  grads: ReadonlyMap<string, Tensor>,
  variables: ReadonlyMap<string, Variable>,
  learningRate: number,
): void {
  if (!(Number.isFinite(learningRate) && learningRate >= 0)) {
    throw new RunError(`${optimizerName}: the learning rate must be a finite number ≥ 0; got ${learningRate}`);
  }
  for (const [name, gradient] of grads) {
    const variable = variables.get(name);
    if (variable === undefined) {
      throw new RunError(
        `${optimizerName}: got a gradient for "${name}", but no variable of that name; ` +
          'key gradients by the names in network.trainableVariables',
      );
    }
    const sameShape = gradient.shape.length === variable.shape.length && gradient.shape.every((size, i) => size === variable.shape[i]);
    if (!sameShape) {
      throw new ShapeError(
        `${optimizerName}: the gradient of "${name}" must have the variable's shape [${variable.shape.join(', ')}]; ` +
          `got [${gradient.shape.join(', ')}]`,
      );
    }
  }
}

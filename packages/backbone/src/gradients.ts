import * as tf from '@tensorflow/tfjs-core';
import type { Network, Scalar, Tensor } from '@csi/core';

/** The loss and the gradients of one training step. */
export interface NetworkGradients {
  /** The loss value, a scalar the caller disposes. */
  loss: Scalar;
  /**
   * d loss / d variable, keyed by stable name (the keys of `network.trainableVariables`), each of
   * its variable's shape; the caller disposes them. A variable the loss does not depend on
   * (the shift head under plain SimCLR, say) has no entry.
   */
  grads: Map<string, Tensor>;
}

/**
 * Runs `computeLoss` under a gradient tape and returns the loss with its gradient for every
 * trainable variable of `network`. `computeLoss` must return a scalar. It usually calls
 * `network.apply(images, true)`, which also updates the batch-norm running statistics once.
 *
 * Needs the TensorFlow.js gradient functions registered. `@tensorflow/tfjs` and
 * `@tensorflow/tfjs-node` register them on import; tfjs-core alone does not.
 */
export function computeGradients(network: Network, computeLoss: () => Scalar): NetworkGradients {
  const variables = [...network.trainableVariables];
  const { value, grads } = tf.variableGrads(
    computeLoss,
    variables.map(([, variable]) => variable),
  );
  const byStableName = new Map<string, Tensor>();
  for (const [name, variable] of variables) {
    const gradient = grads[variable.name];
    if (gradient) byStableName.set(name, gradient);
  }
  return { loss: value, grads: byStableName };
}

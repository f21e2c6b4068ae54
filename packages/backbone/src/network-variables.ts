import * as tf from '@tensorflow/tfjs-core';
import { CsiError } from '@csi/core';

let nextNetworkNumber = 0;

/**
 * A network's variables by stable name (`stage2.block0.conv1.kernel`), split into trainable
 * weights and batch-norm state. The stable names are the checkpoint keys.
 *
 * TensorFlow.js rejects a second variable with a name already registered in the process, so each
 * `tf.Variable.name` is the stable name behind a per-network prefix (`csi-network-3/stem.conv.kernel`).
 * Code that gets gradients from `tf.variableGrads` must map them back through these maps.
 */
export class NetworkVariables {
  readonly trainable = new Map<string, tf.Variable>();
  readonly state = new Map<string, tf.Variable>();
  private readonly namePrefix = `csi-network-${nextNetworkNumber++}/`;

  /** Creates a trainable variable from `initialValue` and disposes `initialValue`. */
  addTrainable(name: string, initialValue: tf.Tensor): tf.Variable {
    return this.add(this.trainable, name, initialValue, true);
  }

  /** Creates a non-trainable variable from `initialValue` and disposes `initialValue`. */
  addState(name: string, initialValue: tf.Tensor): tf.Variable {
    return this.add(this.state, name, initialValue, false);
  }

  dispose(): void {
    for (const variable of [...this.trainable.values(), ...this.state.values()]) variable.dispose();
    this.trainable.clear();
    this.state.clear();
  }

  private add(
    target: Map<string, tf.Variable>,
    name: string,
    initialValue: tf.Tensor,
    trainable: boolean,
  ): tf.Variable {
    if (this.trainable.has(name) || this.state.has(name)) {
      initialValue.dispose();
      throw new CsiError(`variable "${name}" is defined twice in one network; each layer needs its own name`);
    }
    const variable = tf.variable(initialValue, trainable, this.namePrefix + name);
    // The variable holds its own reference to the data, so the initial tensor can go.
    initialValue.dispose();
    target.set(name, variable);
    return variable;
  }
}

import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from '@csi/core';
import type { NetworkVariables } from './network-variables.js';

/** A fully connected layer y = x·W + b. */
export interface LinearLayer {
  readonly name: string;
  /** W [inFeatures, outFeatures]. */
  readonly kernel: tf.Variable;
  /** b [outFeatures]. */
  readonly bias: tf.Variable;
}

/**
 * Creates a linear layer with variables `<name>.kernel` and `<name>.bias`, both drawn as
 * PyTorch's nn.Linear does by default: uniform on ±1/√inFeatures.
 */
export function createLinear(
  variables: NetworkVariables,
  name: string,
  inFeatures: number,
  outFeatures: number,
  random: RandomSource,
): LinearLayer {
  const bound = 1 / Math.sqrt(inFeatures);
  const kernel = tf.randomUniform([inFeatures, outFeatures], -bound, bound, 'float32', random.nextSeed());
  const bias = tf.randomUniform([outFeatures], -bound, bound, 'float32', random.nextSeed());
  return {
    name,
    kernel: variables.addTrainable(`${name}.kernel`, kernel),
    bias: variables.addTrainable(`${name}.bias`, bias),
  };
}

/**
 * Maps `x` [N, inFeatures] float32 to [N, outFeatures], with a ReLU after the bias when
 * `activation` is 'relu'. The caller disposes the result.
 */
export function applyLinear(x: tf.Tensor2D, layer: LinearLayer, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  return tf.fused.matMul({
    a: x,
    b: layer.kernel as tf.Tensor2D,
    bias: layer.bias,
    activation,
  }) as tf.Tensor2D;
}

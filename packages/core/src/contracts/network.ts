import type { Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import type { RandomSource } from '../random.js';

/**
 * What the network returns for V stacked views. Rows follow the rows of the input images.
 * The caller disposes all three tensors.
 */
export interface NetworkOutputs {
  /** f(x): penultimate features of the backbone, [V, D]. */
  features: Tensor2D;
  /** z(x) = g(f(x)): projection head output, [V, P], not normalised (its norm is used by s_con). */
  projections: Tensor2D;
  /** Shift classification head logits W^T f(x), [V, K]. */
  shiftLogits: Tensor2D;
}

/** A backbone with its projection head and shift head, as one trainable unit. */
export interface Network {
  readonly featureSize: number;
  readonly projectionSize: number;
  readonly numShifts: number;
  /** Trainable weights by stable name (the names are the checkpoint keys). */
  readonly trainableVariables: ReadonlyMap<string, Variable>;
  /** Non-trainable state by stable name: batch-norm running means and variances. */
  readonly stateVariables: ReadonlyMap<string, Variable>;
  /**
   * Runs the network on images [V, H, W, C] float32 in [0, 1], NHWC.
   * In training mode batch norm uses the batch statistics and updates the running averages;
   * in evaluation mode it uses the running averages and changes nothing.
   */
  apply(images: Tensor4D, training: boolean): NetworkOutputs;
  dispose(): void;
}

/** What a backbone component creates: something that builds a fresh, randomly initialised Network. */
export interface NetworkBuilder {
  build(input: {
    /** [H, W, C] of the images the network will see. */
    imageShape: readonly [number, number, number];
    /** K, the output size of the shift head. */
    numShifts: number;
    /** P, the output size of the projection head. */
    projectionSize: number;
    /** Draws the initial weights; the same seed gives the same weights. */
    random: RandomSource;
  }): Network;
}

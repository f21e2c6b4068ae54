import type { BackendChoice } from '@csi/core';
import type { SweepSettings } from '../sweep/settings.js';

/**
 * A component as a spec names it, after normalisation: `rotation` in YAML becomes
 * `{ name: 'rotation', options: {} }`, and options have their schema defaults filled in.
 */
export interface ComponentRef {
  name: string;
  options: Record<string, unknown>;
}

/** One weighted term of the training loss: `{ name: cls-si, weight: 1 }`. */
export interface LossRef extends ComponentRef {
  /** λ of this term in the weighted sum. */
  weight: number;
}

export type OptimizerName = 'lars' | 'sgd' | 'adam';

/**
 * A validated, normalised experiment spec: what `csi run` executes. The YAML keys are the same
 * camelCase names, so one JSON Schema describes both.
 */
export interface ExperimentSpec {
  /** Names the run folder `runs/<name>/<timestamp>/`. */
  name: string;
  /** Seeds weight initialisation, data order and augmentations. */
  seed: number;
  backend: BackendChoice;
  /** Packages or relative paths whose `register` adds components; loaded in this order. */
  plugins: string[];
  /** Parent folder of run folders; relative to the working directory. */
  outputDir: string;
  data: {
    dataset: ComponentRef;
    /** Use at most this many training images after the protocol's selection (null: all). */
    maxTrainImages: number | null;
    /** Use at most this many test images, keeping the normal/anomalous ratio (null: all). */
    maxTestImages: number | null;
  };
  protocol: ComponentRef;
  model: {
    backbone: ComponentRef;
    /** P, output size of the projection head g. */
    projectionSize: number;
  };
  train: {
    epochs: number;
    /** N, images per step; a step sees numViews · K · N views. */
    batchSize: number;
    /** Shift transforms; several combine as their product (K = K_1 · K_2). Empty: K = 1 (SimCLR). */
    shift: ComponentRef[];
    /** Soft augmentations, applied in this order (flip runs before the shift; see SoftAugmentation.stage). */
    align: ComponentRef[];
    loss: LossRef[];
    optimizer: {
      name: OptimizerName;
      /** Base learning rate, before warm-up multiplies it. */
      learningRate: number;
      momentum: number;
      weightDecay: number;
      /** LARS trust coefficient η; ignored by sgd and adam. */
      trustCoefficient: number;
    };
    schedule: {
      /** Epochs of linear warm-up from learningRate to learningRate · warmupMultiplier. */
      warmupEpochs: number;
      warmupMultiplier: number;
    };
  };
  eval: {
    score: ComponentRef;
    /** Test-time ensemble: average network outputs over `samples` soft augmentations. */
    ensemble: {
      samples: number;
      /** Fixed random-resized-crop scale during the ensemble. */
      cropScale: number;
    };
    metrics: string[];
    /** Images per forward pass when extracting features. */
    batchSize: number;
  };
  /** The cells that `csi sweep` runs; `csi run` and `csi eval` ignore it. */
  sweep?: SweepSettings;
}

import * as tf from '@tensorflow/tfjs-core';
import { CsiError, ShapeError, SpecError, assertShape, type Network, type NetworkOutputs, type RandomSource } from '@csi/core';
import { applyProjectionHead, applyShiftHead, createHeads, type NetworkHeads } from './heads.js';
import { NetworkVariables } from './network-variables.js';
import { applyResNetBody, createResNetBody, type ResNetBody } from './resnet-body.js';

/** Options of the `resnet` backbone component. */
export interface ResNetOptions {
  /** BasicBlocks in each of the 4 stages; [2, 2, 2, 2] is ResNet-18. */
  blocksPerStage: number[];
  /** Scales the stage widths 64, 128, 256, 512; each is rounded and at least 1. */
  widthMultiplier: number;
  /** Hidden size of the projection head g; undefined means D, as in the authors' code. */
  projectionHidden?: number;
}

export interface ResNetBuildInput {
  /** [H, W, C] of the images; H, W ≥ 8. */
  imageShape: readonly [number, number, number];
  /** K, output size of the shift head. */
  numShifts: number;
  /** P, output size of the projection head. */
  projectionSize: number;
  random: RandomSource;
}

/** Smallest image side accepted: three stride-2 stages take 8 pixels down to 1. */
export const MIN_IMAGE_SIDE = 8;

/**
 * Builds a CIFAR-style ResNet with the projection and shift heads, initialised from `random`
 * (the same seed gives the same weights). The caller disposes the network.
 */
export function buildResNet(options: ResNetOptions, input: ResNetBuildInput): Network {
  validateBuildInput(options, input);
  return new ResNetNetwork(options, input);
}

class ResNetNetwork implements Network {
  readonly featureSize: number;
  readonly projectionSize: number;
  readonly numShifts: number;
  readonly trainableVariables: ReadonlyMap<string, tf.Variable>;
  readonly stateVariables: ReadonlyMap<string, tf.Variable>;
  private readonly variables = new NetworkVariables();
  private readonly imageShape: readonly [number, number, number];
  private readonly body: ResNetBody;
  private readonly heads: NetworkHeads;
  private disposed = false;

  constructor(options: ResNetOptions, input: ResNetBuildInput) {
    const [, , channels] = input.imageShape;
    this.imageShape = [...input.imageShape];
    this.trainableVariables = this.variables.trainable;
    this.stateVariables = this.variables.state;
    try {
      this.body = createResNetBody(
        this.variables,
        { inChannels: channels, blocksPerStage: options.blocksPerStage, widthMultiplier: options.widthMultiplier },
        input.random,
      );
      this.featureSize = this.body.featureSize;
      this.projectionSize = input.projectionSize;
      this.numShifts = input.numShifts;
      this.heads = createHeads(
        this.variables,
        {
          featureSize: this.featureSize,
          projectionHidden: options.projectionHidden ?? this.featureSize,
          projectionSize: input.projectionSize,
          numShifts: input.numShifts,
        },
        input.random,
      );
    } catch (error) {
      this.variables.dispose();
      throw error;
    }
  }

  /**
   * Runs the network on `images` [V, H, W, C] float32 in [0, 1], NHWC, with H, W, C as built.
   * Returns features [V, D], projections [V, P] and shift logits [V, K], float32, row v for
   * image v; the caller disposes all three. Training mode updates the batch-norm running
   * statistics once per call and needs V·H'·W' ≥ 2 at the last stage (in practice V ≥ 2).
   */
  apply(images: tf.Tensor4D, training: boolean): NetworkOutputs {
    if (this.disposed) throw new CsiError('resnet.apply: the network was disposed; build a new one');
    const [height, width, channels] = this.imageShape;
    assertShape('resnet.apply', 'images', images, [null, height, width, channels], ['V', 'H', 'W', 'C']);
    if (images.dtype !== 'float32') {
      throw new ShapeError(`resnet.apply: images must be float32 in [0, 1]; got dtype ${images.dtype}`);
    }

    return tf.tidy(() => {
      const features = applyResNetBody(images, this.body, training);
      const projections = applyProjectionHead(features, this.heads);
      const shiftLogits = applyShiftHead(features, this.heads);
      return { features, projections, shiftLogits };
    });
  }

  dispose(): void {
    this.variables.dispose();
    this.disposed = true;
  }
}

function validateBuildInput(options: ResNetOptions, input: ResNetBuildInput): void {
  validateOptions(options);

  const problems: string[] = [];
  const [height, width, channels] = input.imageShape;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= MIN_IMAGE_SIDE && width >= MIN_IMAGE_SIDE)) {
    problems.push(
      `imageShape must be [H, W, C] with integer H, W ≥ ${MIN_IMAGE_SIDE} (three stride-2 stages halve the ` +
        `side three times); got [${input.imageShape.join(', ')}]. Images are NHWC, so C comes last`,
    );
  }
  if (!(Number.isInteger(channels) && channels >= 1)) {
    problems.push(`imageShape[2] (C) must be an integer ≥ 1; got ${channels}`);
  }
  if (!(Number.isInteger(input.numShifts) && input.numShifts >= 1)) {
    problems.push(`numShifts (K) must be an integer ≥ 1; got ${input.numShifts}`);
  }
  if (!(Number.isInteger(input.projectionSize) && input.projectionSize >= 1)) {
    problems.push(`projectionSize (P) must be an integer ≥ 1; got ${input.projectionSize}`);
  }
  if (problems.length > 0) throw new ShapeError(`resnet: ${problems.join('; ')}`);
}

// The runner validates options against the schema first; this catches direct callers.
function validateOptions(options: ResNetOptions): void {
  const problems: { path: string; message: string }[] = [];
  const { blocksPerStage, widthMultiplier, projectionHidden } = options;
  if (blocksPerStage.length !== 4 || !blocksPerStage.every((count) => Number.isInteger(count) && count >= 1)) {
    problems.push({
      path: 'blocksPerStage',
      message: `the resnet backbone needs 4 integers ≥ 1, e.g. [2, 2, 2, 2]; got [${blocksPerStage.join(', ')}]`,
    });
  }
  if (!(Number.isFinite(widthMultiplier) && widthMultiplier > 0)) {
    problems.push({ path: 'widthMultiplier', message: `the resnet backbone needs a number > 0; got ${widthMultiplier}` });
  }
  if (projectionHidden !== undefined && !(Number.isInteger(projectionHidden) && projectionHidden >= 1)) {
    problems.push({
      path: 'projectionHidden',
      message: `the resnet backbone needs an integer ≥ 1, or no value for D; got ${projectionHidden}`,
    });
  }
  if (problems.length > 0) throw new SpecError(problems);
}

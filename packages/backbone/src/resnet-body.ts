import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from '@csi/core';
import { applyBatchNorm, createBatchNorm, type BatchNormEpilogue, type BatchNormLayer } from './batch-norm.js';
import { applyConv, createConv, type ConvLayer } from './conv.js';
import type { NetworkVariables } from './network-variables.js';

/** Stage widths of ResNet-18/34 at width multiplier 1 (He et al. 2016, as in torchvision). */
export const BASE_STAGE_WIDTHS = [64, 128, 256, 512] as const;

/** Channel counts of the stem and the 4 stages: 64·w, 128·w, 256·w, 512·w, rounded, at least 1. */
export function computeStageWidths(widthMultiplier: number): number[] {
  return BASE_STAGE_WIDTHS.map((width) => Math.max(1, Math.round(width * widthMultiplier)));
}

interface ConvBatchNorm {
  conv: ConvLayer;
  bn: BatchNormLayer;
}

/** conv3×3-BN-ReLU-conv3×3-BN plus a shortcut; the shortcut is 1×1 conv + BN when the shape changes. */
interface BasicBlock {
  first: ConvBatchNorm;
  second: ConvBatchNorm;
  /** Undefined for the identity shortcut. */
  shortcut?: ConvBatchNorm;
}

/** The CIFAR-style ResNet up to global average pooling. */
export interface ResNetBody {
  stem: ConvBatchNorm;
  blocks: BasicBlock[];
  /** D, the channel count of the last stage and the size of the pooled features. */
  featureSize: number;
}

export interface ResNetBodyShape {
  inChannels: number;
  /** Blocks in each of the 4 stages; [2, 2, 2, 2] is ResNet-18. */
  blocksPerStage: readonly number[];
  widthMultiplier: number;
}

/**
 * Creates the stem (3×3 conv, stride 1, no max-pool, as for 32-pixel CIFAR images) and 4 stages
 * of BasicBlocks. Stages 2–4 start with a stride-2 block. Variables are named `stem.conv.kernel`,
 * `stage<s>.block<b>.conv1.kernel`, `stage<s>.block<b>.bn2.gamma`,
 * `stage<s>.block<b>.shortcut.conv.kernel` and so on. Stages count from 1 and blocks from 0.
 */
export function createResNetBody(variables: NetworkVariables, shape: ResNetBodyShape, random: RandomSource): ResNetBody {
  const widths = computeStageWidths(shape.widthMultiplier);
  const stemWidth = widths[0]!;
  const stem = createConvBatchNorm(variables, 'stem.conv', 'stem.bn', { kernelSize: 3, inChannels: shape.inChannels, outChannels: stemWidth, stride: 1 }, random);

  const blocks: BasicBlock[] = [];
  let inChannels = stemWidth;
  shape.blocksPerStage.forEach((blockCount, stageIndex) => {
    const outChannels = widths[stageIndex]!;
    for (let blockIndex = 0; blockIndex < blockCount; blockIndex++) {
      const stride = stageIndex > 0 && blockIndex === 0 ? 2 : 1;
      const name = `stage${stageIndex + 1}.block${blockIndex}`;
      blocks.push(createBasicBlock(variables, name, inChannels, outChannels, stride, random));
      inChannels = outChannels;
    }
  });

  return { stem, blocks, featureSize: inChannels };
}

/**
 * Runs the body on `images` [N, H, W, C] float32 in [0, 1]. Returns features [N, D] float32,
 * which the caller disposes.
 */
export function applyResNetBody(images: tf.Tensor4D, body: ResNetBody, training: boolean): tf.Tensor2D {
  let x = tf.tidy(() => {
    // The authors' network starts with a layer that maps [0, 1] to [-1, 1]: (x − 0.5) / 0.5.
    const centred = tf.sub<tf.Tensor4D>(tf.mul(images, 2), 1);
    return applyConvBatchNorm(centred, body.stem, training, { relu: true });
  });
  for (const block of body.blocks) {
    // One tidy per block frees its intermediate maps early; a gradient tape keeps what it needs.
    const input = x;
    x = tf.tidy(() => applyBasicBlock(input, block, training));
    input.dispose();
  }
  const features = tf.mean(x, [1, 2]) as tf.Tensor2D;
  x.dispose();
  return features;
}

function createConvBatchNorm(
  variables: NetworkVariables,
  convName: string,
  bnName: string,
  convShape: Parameters<typeof createConv>[2],
  random: RandomSource,
): ConvBatchNorm {
  return {
    conv: createConv(variables, convName, convShape, random),
    bn: createBatchNorm(variables, bnName, convShape.outChannels),
  };
}

function createBasicBlock(
  variables: NetworkVariables,
  name: string,
  inChannels: number,
  outChannels: number,
  stride: 1 | 2,
  random: RandomSource,
): BasicBlock {
  const first = createConvBatchNorm(variables, `${name}.conv1`, `${name}.bn1`, { kernelSize: 3, inChannels, outChannels, stride }, random);
  const second = createConvBatchNorm(
    variables,
    `${name}.conv2`,
    `${name}.bn2`,
    { kernelSize: 3, inChannels: outChannels, outChannels, stride: 1 },
    random,
  );
  const needsProjection = stride !== 1 || inChannels !== outChannels;
  const shortcut = needsProjection
    ? createConvBatchNorm(variables, `${name}.shortcut.conv`, `${name}.shortcut.bn`, { kernelSize: 1, inChannels, outChannels, stride }, random)
    : undefined;
  return shortcut ? { first, second, shortcut } : { first, second };
}

function applyConvBatchNorm(
  x: tf.Tensor4D,
  layers: ConvBatchNorm,
  training: boolean,
  epilogue: BatchNormEpilogue = {},
): tf.Tensor4D {
  return applyBatchNorm(applyConv(x, layers.conv), layers.bn, training, epilogue);
}

/** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), with the add and relus fused into batch norm. */
function applyBasicBlock(x: tf.Tensor4D, block: BasicBlock, training: boolean): tf.Tensor4D {
  const hidden = applyConvBatchNorm(x, block.first, training, { relu: true });
  const shortcut = block.shortcut ? applyConvBatchNorm(x, block.shortcut, training) : x;
  return applyConvBatchNorm(hidden, block.second, training, { residual: shortcut, relu: true });
}

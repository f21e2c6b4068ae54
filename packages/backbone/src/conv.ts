import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from '@csi/core';
import type { NetworkVariables } from './network-variables.js';

/** A 2-D convolution without bias (batch norm follows every convolution of the ResNet). */
export interface ConvLayer {
  readonly name: string;
  /** [kernelSize, kernelSize, inChannels, outChannels]. */
  readonly kernel: tf.Variable;
  readonly stride: number;
}

export interface ConvShape {
  kernelSize: 1 | 3;
  inChannels: number;
  outChannels: number;
  stride: 1 | 2;
}

/**
 * Creates a convolution with variable `<name>.kernel`, drawn as torchvision's ResNet does
 * (Kaiming normal, fan_out mode, ReLU gain): N(0, 2 / (outChannels · kernelSize²)).
 */
// NOTE: the authors' CIFAR ResNet keeps PyTorch's nn.Conv2d default instead, uniform on
// ±1/√(inChannels · kernelSize²). Batch norm after every conv cancels the scale, not the shape,
// of the draw, so early training differs from theirs. The effect on final AUROC is not measured.
export function createConv(variables: NetworkVariables, name: string, shape: ConvShape, random: RandomSource): ConvLayer {
  const { kernelSize, inChannels, outChannels, stride } = shape;
  const fanOut = outChannels * kernelSize * kernelSize;
  const initialValue = tf.randomNormal(
    [kernelSize, kernelSize, inChannels, outChannels],
    0,
    Math.sqrt(2 / fanOut),
    'float32',
    random.nextSeed(),
  );
  return { name, kernel: variables.addTrainable(`${name}.kernel`, initialValue), stride };
}

/**
 * Convolves `x` [N, H, W, C_in] float32 with PyTorch's padding (kernelSize − 1) / 2 on every
 * side. Returns [N, ceil(H / stride), ceil(W / stride), C_out], which the caller disposes.
 */
export function applyConv(x: tf.Tensor4D, layer: ConvLayer): tf.Tensor4D {
  const kernel = layer.kernel as tf.Tensor4D;
  const kernelSize = kernel.shape[0];
  if (kernelSize === 1) return tf.conv2d(x, kernel, layer.stride, 'valid');
  // With stride 1 'same' pads one pixel on every side, exactly as PyTorch's padding=1.
  if (layer.stride === 1) return tf.conv2d(x, kernel, 1, 'same');
  // With stride 2 on an even size, 'same' pads only the bottom and right, which shifts every
  // window by one pixel against PyTorch's padding=1. Explicit padding keeps the sampling grid of
  // the authors' network on every backend, without a padded copy of the input (a pad and its
  // gradient, a strided slice, cost more than the convolution on the CPU backends).
  const padding = (kernelSize - 1) / 2;
  return tf.conv2d(x, kernel, layer.stride, [
    [0, 0],
    [padding, padding],
    [padding, padding],
    [0, 0],
  ]);
}

import { backend_util } from '@tensorflow/tfjs-core';

/**
 * The 17 numbers native/conv2d.cc reads (ConvGeometry), from TensorFlow.js's convolution info
 * for NHWC input and HWIO filter; null when oneDNN cannot express the geometry: negative padding,
 * an output size that oneDNN's formula (in + padBefore + padAfter - effectiveFilter) / stride + 1
 * would not reproduce (possible with dimRoundingMode 'ceil' or 'round'), or an empty tensor.
 */
export function convGeometry(info: backend_util.Conv2DInfo): number[] | null {
  const { top, left, bottom, right } = info.padInfo;
  if (info.dataFormat !== 'channelsLast' || Math.min(top, left, bottom, right) < 0) return null;
  const expectedHeight = Math.floor((info.inHeight + top + bottom - info.effectiveFilterHeight) / info.strideHeight) + 1;
  const expectedWidth = Math.floor((info.inWidth + left + right - info.effectiveFilterWidth) / info.strideWidth) + 1;
  if (expectedHeight !== info.outHeight || expectedWidth !== info.outWidth) return null;
  const geometry = [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth,
    top, left, bottom, right,
    info.dilationHeight, info.dilationWidth,
  ];
  return geometry.every((value, index) => (index >= 11 && index <= 14) || value > 0) ? geometry : null;
}

/** Maps a fused-op activation name to its native code; undefined for prelu and unknown names. */
export function activationCode(
  activation: string | undefined,
  codes: Readonly<Record<string, number>>,
): number | undefined {
  return codes[activation ?? 'linear'];
}

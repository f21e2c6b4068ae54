import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle,
} from '../test-support/compare-backends.js';
import type { NativeBackend } from '../backend.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

// float32 sums of up to 16 * 3 * 3 products differ from the cpu backend's order of summation by
// a few units in the last place; 1e-4 relative leaves room without hiding an indexing error.
const TOLERANCE = 1e-4;

type Padding = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  filterSize: number;
  stride: number;
  pad: Padding;
}

const CASES: ConvCase[] = [
  { name: '1x1 valid, batch 1', batch: 1, height: 5, width: 5, inChannels: 1, outChannels: 1, filterSize: 1, stride: 1, pad: 'valid' },
  { name: '3x3 same, odd size', batch: 2, height: 7, width: 7, inChannels: 3, outChannels: 4, filterSize: 3, stride: 1, pad: 'same' },
  { name: '3x3 same stride 2, even size', batch: 2, height: 8, width: 8, inChannels: 3, outChannels: 5, filterSize: 3, stride: 2, pad: 'same' },
  { name: '3x3 valid stride 2, odd size', batch: 3, height: 9, width: 9, inChannels: 4, outChannels: 8, filterSize: 3, stride: 2, pad: 'valid' },
  { name: '1x1 same stride 2 (shortcut)', batch: 2, height: 6, width: 7, inChannels: 16, outChannels: 8, filterSize: 1, stride: 2, pad: 'same' },
  { name: '3x3 16 channels', batch: 2, height: 6, width: 6, inChannels: 16, outChannels: 16, filterSize: 3, stride: 1, pad: 'same' },
  {
    name: '3x3 explicit asymmetric padding', batch: 2, height: 6, width: 5, inChannels: 5, outChannels: 3,
    filterSize: 3, stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]],
  },
];

function makeInputs(c: ConvCase, seed: number): { x: tf.Tensor4D; filter: tf.Tensor4D } {
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
  const filterShape: [number, number, number, number] = [c.filterSize, c.filterSize, c.inChannels, c.outChannels];
  return {
    x: tf.tensor4d(randomValues(xShape.reduce((p, d) => p * d, 1), seed), xShape),
    filter: tf.tensor4d(randomValues(filterShape.reduce((p, d) => p * d, 1), seed + 1), filterShape),
  };
}

describe.skipIf(!nativeAvailable)(suiteTitle('native Conv2D and its gradients'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  it.each(CASES)('forward matches cpu: $name', async (c) => {
    await expectNativeMatchesCpu(() => {
      const { x, filter } = makeInputs(c, 11);
      return tf.conv2d(x, filter, c.stride, c.pad);
    }, TOLERANCE);
    expect(cpuFallbacks()).not.toContain('Conv2D');
  });

  it.each(CASES)('input and filter gradients match cpu: $name', async (c) => {
    await expectNativeMatchesCpu(() => {
      const { x, filter } = makeInputs(c, 23);
      // A random weighting of the output makes dy non-uniform, so a transposed index shows up.
      const outShape = tf.conv2d(x, filter, c.stride, c.pad).shape;
      const weights = tf.tensor(randomValues(outShape.reduce((p, d) => p * d, 1), 29), outShape);
      const gradients = tf.grads((input: tf.Tensor, kernel: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, c.stride, c.pad), weights)),
      );
      return gradients([x, filter]);
    }, TOLERANCE);
    expect(cpuFallbacks()).not.toContain('Conv2DBackpropInput');
    expect(cpuFallbacks()).not.toContain('Conv2DBackpropFilter');
  });

  it('dilated forward matches cpu', async () => {
    await expectNativeMatchesCpu(() => {
      const x = tf.tensor4d(randomValues(2 * 9 * 9 * 3, 3), [2, 9, 9, 3]);
      const filter = tf.tensor4d(randomValues(3 * 3 * 3 * 4, 4), [3, 3, 3, 4]);
      return tf.conv2d(x, filter, 1, 'same', 'NHWC', 2);
    }, TOLERANCE);
    expect(cpuFallbacks()).not.toContain('Conv2D');
  });

  it('conv2dTranspose matches cpu', async () => {
    await expectNativeMatchesCpu(() => {
      const x = tf.tensor4d(randomValues(2 * 4 * 4 * 6, 5), [2, 4, 4, 6]);
      const filter = tf.tensor4d(randomValues(3 * 3 * 3 * 6, 6), [3, 3, 3, 6]);
      return tf.conv2dTranspose(x, filter, [2, 8, 8, 3], 2, 'same');
    }, TOLERANCE);
    expect(cpuFallbacks()).not.toContain('Conv2DBackpropInput');
  });

  it('reuses cached primitives for repeated shapes', async () => {
    await tf.setBackend('native');
    const { addon } = tf.backend() as NativeBackend;
    const run = (size: number): void => {
      tf.tidy(() => tf.conv2d(tf.ones([1, size, size, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 2]) as tf.Tensor4D, 1, 'same'));
    };
    run(11);
    const afterFirst = addon.describeRuntime().cachedConvolutions;
    run(11);
    expect(addon.describeRuntime().cachedConvolutions).toBe(afterFirst);
    run(13);
    expect(addon.describeRuntime().cachedConvolutions).toBe(afterFirst + 1);
  });

  it('computes a 2x2 convolution worked out by hand', async () => {
    await tf.setBackend('native');
    // x = [[1, 2], [3, 4]], filter = [[1, 0], [0, -1]] -> 'valid' output 1*1 + 4*(-1) = -3.
    const y = tf.tidy(() => tf.conv2d(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), tf.tensor4d([1, 0, 0, -1], [2, 2, 1, 1]), 1, 'valid'));
    expect(y.shape).toEqual([1, 1, 1, 1]);
    expect(Array.from(y.dataSync())).toEqual([-3]);
    y.dispose();
  });

  it('falls back to cpu for NCHW input', async () => {
    await expectNativeMatchesCpu(() => {
      const x = tf.tensor4d(randomValues(2 * 3 * 5 * 5, 7), [2, 3, 5, 5]);
      const filter = tf.tensor4d(randomValues(3 * 3 * 3 * 2, 8), [3, 3, 3, 2]);
      return tf.conv2d(x, filter, 1, 'same', 'NCHW');
    }, TOLERANCE).catch((error: Error) => {
      // The cpu backend itself may reject NCHW; then both backends must reject it the same way.
      expect(error.message).toMatch(/NCHW|channelsFirst|data format/i);
    });
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNativeMatchesCpu, nativeAvailable, randomValues, suiteTitle } from '../test-support/compare-backends.js';
import { watchCpuFallbacks } from '../test-support/fallback-spy.js';

// Each element is one float32 operation in both backends; 1e-6 allows for the cpu backend
// computing in double before rounding.
const TOLERANCE = 1e-6;

const OPS: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['Add', tf.add],
  ['Sub', tf.sub],
  ['Multiply', tf.mul],
  ['RealDiv', tf.div],
  ['SquaredDifference', tf.squaredDifference],
  ['Maximum', tf.maximum],
  ['Minimum', tf.minimum],
  ['Pow', tf.pow],
];

const SHAPES: [string, number[], number[]][] = [
  ['equal shapes', [2, 3, 4, 5], [2, 3, 4, 5]],
  ['per-channel vector', [2, 3, 4, 5], [5]],
  ['vector first', [5], [2, 3, 4, 5]],
  ['[1, H, 1, C]', [2, 3, 4, 5], [1, 3, 1, 5]],
  ['per-image scalar', [3, 4, 5], [3, 1, 1]],
  ['scalar', [2, 3, 4, 5], []],
  ['both broadcast', [4, 1], [1, 6]],
  // Above native/common.h's kParallelThreshold (2^19 elements), so both OpenMP threads work.
  ['large, split across threads', [72, 32, 32, 8], [8]],
];

function makeTensor(shape: number[], seed: number): tf.Tensor {
  const values = randomValues(shape.reduce((p, d) => p * d, 1), seed, -2, 2);
  // Nudge values away from 0 so division stays finite and comparable.
  return tf.tensor(values.map((v) => (Math.abs(v) < 0.1 ? 0.5 : v)), shape);
}

describe.skipIf(!nativeAvailable)(suiteTitle('native broadcasting binary ops'), () => {
  const cpuFallbacks = watchCpuFallbacks();

  describe.each(OPS)('%s', (kernelName, op) => {
    it.each(SHAPES)('matches cpu: %s', async (_, aShape, bShape) => {
      await expectNativeMatchesCpu(() => op(makeTensor(aShape, 1), makeTensor(bShape, 2)), TOLERANCE);
      expect(cpuFallbacks()).not.toContain(kernelName);
    });
  });

  it('propagates NaN in maximum and minimum', async () => {
    await expectNativeMatchesCpu(() => {
      const a = tf.tensor1d([NaN, 1, 2, NaN]);
      const b = tf.tensor1d([1, NaN, 3, NaN]);
      return [tf.maximum(a, b), tf.minimum(a, b)];
    }, 0);
  });

  it('squares exactly through Pow with exponent 2', async () => {
    await expectNativeMatchesCpu(() => tf.pow(makeTensor([1000], 6), tf.scalar(2)), 0);
    expect(cpuFallbacks()).not.toContain('Pow');
  });

  it('computes a broadcast sum worked out by hand', async () => {
    await tf.setBackend('native');
    const sum = tf.tidy(() => tf.add(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([10, 20])));
    expect(sum.shape).toEqual([2, 2]);
    expect(sum.dtype).toBe('float32');
    expect(Array.from(sum.dataSync())).toEqual([11, 22, 13, 24]);
    sum.dispose();
  });

  it('hands int32 inputs to the cpu kernel', async () => {
    await expectNativeMatchesCpu(() => tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([4, 5, 6], 'int32')), 0);
    expect(cpuFallbacks()).toContain('Add');
  });

  it('rejects non-broadcastable shapes', async () => {
    await tf.setBackend('native');
    expect(() => tf.add(tf.zeros([2, 3]), tf.zeros([4]))).toThrow(/broadcast|shapes/i);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../errors.js';
import { countWasmBuffers, loadCpuAndWasm, randomValues, relativeMaxError, runOn } from './test-support/backend-comparison.js';

type Padding = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

interface FilterGradientCase {
  name: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  stride: number;
  pad: Padding;
}

const cases: FilterGradientCase[] = [
  { name: '3x3 stride 1 same', xShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { name: '3x3 stride 2 same even', xShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { name: '3x3 stride 2 same odd', xShape: [1, 7, 7, 4], filterShape: [3, 3, 4, 6], stride: 2, pad: 'same' },
  { name: '3x3 stride 2 valid', xShape: [3, 9, 6, 2], filterShape: [3, 3, 2, 4], stride: 2, pad: 'valid' },
  { name: '3x3 stride 2 valid cropped', xShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 2], stride: 2, pad: 'valid' },
  { name: '3x3 stride 1 valid', xShape: [2, 6, 6, 3], filterShape: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  {
    name: '3x3 stride 2 explicit',
    xShape: [2, 8, 8, 3],
    filterShape: [3, 3, 3, 5],
    stride: 2,
    pad: [[0, 0], [1, 1], [1, 1], [0, 0]],
  },
  {
    name: '3x3 stride 1 explicit uneven',
    xShape: [2, 7, 9, 3],
    filterShape: [3, 3, 3, 2],
    stride: 1,
    pad: [[0, 0], [2, 0], [0, 1], [0, 0]],
  },
  { name: '1x1 stride 2 valid even', xShape: [2, 8, 8, 4], filterShape: [1, 1, 4, 6], stride: 2, pad: 'valid' },
  { name: '1x1 stride 2 same odd', xShape: [2, 7, 7, 4], filterShape: [1, 1, 4, 3], stride: 2, pad: 'same' },
  {
    name: '1x1 stride 2 explicit after',
    xShape: [1, 6, 6, 2],
    filterShape: [1, 1, 2, 3],
    stride: 2,
    pad: [[0, 0], [0, 1], [0, 1], [0, 0]],
  },
  {
    name: '1x1 stride 2 explicit before',
    xShape: [2, 6, 5, 2],
    filterShape: [1, 1, 2, 3],
    stride: 2,
    pad: [[0, 0], [1, 0], [1, 1], [0, 0]],
  },
  { name: '1x1 stride 1 valid', xShape: [1, 6, 6, 5], filterShape: [1, 1, 5, 4], stride: 1, pad: 'valid' },
  { name: '3x3 one input channel', xShape: [4, 5, 5, 1], filterShape: [3, 3, 1, 8], stride: 1, pad: 'same' },
  { name: '3x3 stride 2 wide', xShape: [2, 6, 6, 16], filterShape: [3, 3, 16, 32], stride: 2, pad: 'same' },
];

function outputShape(testCase: FilterGradientCase): number[] {
  return tf.backend_util.computeConv2DInfo(testCase.xShape, testCase.filterShape, testCase.stride, 1, testCase.pad)
    .outShape;
}

function filterGradient(testCase: FilterGradientCase, x: Float32Array, dy: Float32Array): tf.Tensor {
  return tf.engine().runKernel(
    tf.Conv2DBackpropFilter,
    { x: tf.tensor4d(x, testCase.xShape), dy: tf.tensor(dy, outputShape(testCase)) },
    {
      strides: testCase.stride,
      pad: testCase.pad,
      dataFormat: 'NHWC',
      filterShape: testCase.filterShape,
    } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor;
}

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(loadCpuAndWasm);

  it.each(cases)('matches cpu: $name', async (testCase) => {
    const x = randomValues(tf.util.sizeFromShape(testCase.xShape), 1);
    const dy = randomValues(tf.util.sizeFromShape(outputShape(testCase)), 2);
    const expected = await runOn('cpu', () => filterGradient(testCase, x, dy));

    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = countWasmBuffers();
    const actual = await runOn('wasm', () => filterGradient(testCase, x, dy));

    expect(actual.shapes[0]).toEqual(testCase.filterShape);
    expect(relativeMaxError(actual.values[0]!, expected.values[0]!)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(countWasmBuffers()).toBe(buffersBefore);
  });

  it('returns zeros when only padding is read', async () => {
    const testCase: FilterGradientCase = {
      name: 'all padding',
      xShape: [1, 1, 1, 1],
      filterShape: [1, 1, 1, 2],
      stride: 4,
      pad: [[0, 0], [3, 0], [3, 0], [0, 0]],
    };
    const x = randomValues(1, 3);
    const dy = randomValues(tf.util.sizeFromShape(outputShape(testCase)), 4);
    const actual = await runOn('wasm', () => filterGradient(testCase, x, dy));
    expect(Array.from(actual.values[0]!)).toEqual([0, 0]);
  });

  it('rejects NCHW with the supported layout', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 3, 4, 4]);
    const run = () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        filterShape: [3, 3, 2, 3],
      } as unknown as tf.NamedAttrMap);
    expect(run).toThrow(BackendError);
    expect(run).toThrow(/dataFormat NHWC only; got NCHW/);
    tf.dispose([x, dy]);
  });
});

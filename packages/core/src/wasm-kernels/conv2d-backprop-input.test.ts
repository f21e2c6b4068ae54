import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countWasmBuffers, loadCpuAndWasm, randomValues, relativeMaxError, runOn } from './test-support/backend-comparison.js';

type Padding = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

interface InputGradientCase {
  name: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: Padding;
  dataFormat?: 'NHWC' | 'NCHW';
}

const cases: InputGradientCase[] = [
  { name: '3x3 stride 1 same', xShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 same even', xShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 same odd', xShape: [1, 7, 7, 4], filterShape: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 valid', xShape: [3, 9, 6, 2], filterShape: [3, 3, 2, 4], strides: 2, pad: 'valid' },
  { name: '3x3 stride 2 valid cropped', xShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 2], strides: 2, pad: 'valid' },
  { name: '3x3 stride 1 valid', xShape: [2, 6, 6, 3], filterShape: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  {
    name: '3x3 stride 2 explicit',
    xShape: [2, 8, 8, 3],
    filterShape: [3, 3, 3, 5],
    strides: 2,
    pad: [[0, 0], [1, 1], [1, 1], [0, 0]],
  },
  {
    name: '3x3 stride 2 explicit odd',
    xShape: [2, 7, 7, 3],
    filterShape: [3, 3, 3, 5],
    strides: 2,
    pad: [[0, 0], [1, 1], [1, 1], [0, 0]],
  },
  {
    name: '3x3 stride 1 explicit uneven',
    xShape: [2, 7, 9, 3],
    filterShape: [3, 3, 3, 2],
    strides: 1,
    pad: [[0, 0], [2, 0], [0, 1], [0, 0]],
  },
  {
    name: '3x3 stride 1 explicit wide padding',
    xShape: [1, 4, 4, 2],
    filterShape: [3, 3, 2, 2],
    strides: 1,
    pad: [[0, 0], [3, 4], [0, 3], [0, 0]],
  },
  { name: '1x1 stride 2 valid even', xShape: [2, 8, 8, 4], filterShape: [1, 1, 4, 6], strides: 2, pad: 'valid' },
  { name: '1x1 stride 2 same odd', xShape: [2, 7, 7, 4], filterShape: [1, 1, 4, 3], strides: 2, pad: 'same' },
  {
    name: '1x1 stride 2 explicit',
    xShape: [2, 6, 5, 2],
    filterShape: [1, 1, 2, 3],
    strides: 2,
    pad: [[0, 0], [1, 0], [1, 1], [0, 0]],
  },
  { name: '1x1 stride 1 valid', xShape: [1, 6, 6, 5], filterShape: [1, 1, 5, 4], strides: 1, pad: 'valid' },
  { name: '3x3 one input channel', xShape: [4, 5, 5, 1], filterShape: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 wide', xShape: [2, 6, 6, 16], filterShape: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { name: '3x3 stride 3 same', xShape: [2, 10, 8, 3], filterShape: [3, 3, 3, 4], strides: 3, pad: 'same' },
  { name: '3x3 strides 1 and 2', xShape: [2, 7, 8, 3], filterShape: [3, 3, 3, 4], strides: [1, 2], pad: 'same' },
  {
    name: '3x3 NCHW',
    xShape: [2, 3, 6, 6],
    filterShape: [3, 3, 3, 4],
    strides: 2,
    pad: 'same',
    dataFormat: 'NCHW',
  },
];

function dyShape(testCase: InputGradientCase): number[] {
  const dataFormat = testCase.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast';
  return tf.backend_util.computeConv2DInfo(
    testCase.xShape,
    testCase.filterShape,
    testCase.strides,
    1,
    testCase.pad,
    undefined,
    false,
    dataFormat,
  ).outShape;
}

function inputGradient(testCase: InputGradientCase, dy: Float32Array, filter: Float32Array): tf.Tensor {
  return tf.engine().runKernel(
    tf.Conv2DBackpropInput,
    { dy: tf.tensor(dy, dyShape(testCase)), filter: tf.tensor4d(filter, testCase.filterShape) },
    {
      strides: testCase.strides,
      pad: testCase.pad,
      dataFormat: testCase.dataFormat ?? 'NHWC',
      inputShape: testCase.xShape,
    } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor;
}

describe('Conv2DBackpropInput on wasm', () => {
  beforeAll(loadCpuAndWasm);

  it.each(cases)('matches cpu: $name', async (testCase) => {
    const dy = randomValues(tf.util.sizeFromShape(dyShape(testCase)), 5);
    const filter = randomValues(tf.util.sizeFromShape(testCase.filterShape), 6);
    const expected = await runOn('cpu', () => inputGradient(testCase, dy, filter));

    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = countWasmBuffers();
    const actual = await runOn('wasm', () => inputGradient(testCase, dy, filter));

    expect(actual.shapes[0]).toEqual(testCase.xShape);
    expect(relativeMaxError(actual.values[0]!, expected.values[0]!)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(countWasmBuffers()).toBe(buffersBefore);
  });
});

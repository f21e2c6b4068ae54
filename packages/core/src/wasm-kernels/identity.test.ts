import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countWasmBuffers, loadCpuAndWasm } from './test-support/backend-comparison.js';

describe('Identity and Cast on wasm', () => {
  beforeAll(async () => {
    await loadCpuAndWasm();
    await tf.setBackend('wasm');
  });

  it('clone outlives its source and frees the buffer with the last tensor', () => {
    const buffersBefore = countWasmBuffers();
    const source = tf.tensor([1.5, -0, Number.NaN], [3]);
    const copy = tf.clone(source);
    expect(countWasmBuffers()).toBe(buffersBefore + 1);

    source.dispose();
    expect(copy.dtype).toBe('float32');
    expect(Array.from(copy.dataSync())).toEqual([1.5, -0, Number.NaN]);
    copy.dispose();
    expect(countWasmBuffers()).toBe(buffersBefore);
  });

  it('cast to the same dtype keeps values and dtype', () => {
    const buffersBefore = countWasmBuffers();
    const source = tf.tensor([3, -4], [2], 'int32');
    const cast = tf.cast(source, 'int32');
    source.dispose();
    expect(cast.dtype).toBe('int32');
    expect(Array.from(cast.dataSync())).toEqual([3, -4]);
    cast.dispose();
    expect(countWasmBuffers()).toBe(buffersBefore);
  });

  it('cast to another dtype converts', () => {
    const buffersBefore = countWasmBuffers();
    const source = tf.tensor([2.75, -1.5, 0], [3]);
    const asInteger = tf.cast(source, 'int32');
    expect(asInteger.dtype).toBe('int32');
    expect(Array.from(asInteger.dataSync())).toEqual([2, -1, 0]);
    tf.dispose([source, asInteger]);
    expect(countWasmBuffers()).toBe(buffersBefore);
  });

  it('clones string tensors', () => {
    const source = tf.tensor(['a', 'bc']);
    const copy = tf.clone(source);
    source.dispose();
    expect(copy.dataSync()).toEqual(['a', 'bc']);
    copy.dispose();
  });
});

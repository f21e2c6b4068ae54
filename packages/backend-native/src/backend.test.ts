import * as tf from '@tensorflow/tfjs-core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { NativeBackend } from './backend.js';
import { nativeAvailable, randomValues, suiteTitle } from './test-support/compare-backends.js';

// Long enough for the output pool (64 KiB and up).
const LENGTH = 64 * 1024;

describe.skipIf(!nativeAvailable)(suiteTitle('NativeBackend output reuse'), () => {
  let backend: NativeBackend;
  const storedArray = (tensor: tf.Tensor): Float32Array => backend.data.get(tensor.dataId).values as Float32Array;

  beforeEach(async () => {
    await tf.setBackend('native');
    backend = tf.backend() as NativeBackend;
  });

  it('reuses a disposed output array', () => {
    const x = tf.tensor1d(randomValues(LENGTH, 1));
    const first = tf.relu(x);
    const firstArray = storedArray(first);
    first.dispose();
    const second = tf.neg(x);
    expect(storedArray(second)).toBe(firstArray);
    expect(second.dataSync()[0]).toBeCloseTo(-(randomValues(1, 1)[0] as number), 6);
    tf.dispose([x, second]);
  });

  it('keeps arrays returned by dataSync intact after dispose', () => {
    const x = tf.tensor1d(randomValues(LENGTH, 2));
    const first = tf.relu(x);
    const values = first.dataSync();
    const copy = Float32Array.from(values);
    first.dispose();
    const second = tf.neg(x);
    expect(values).toEqual(copy);
    expect(storedArray(second)).not.toBe(values);
    tf.dispose([x, second]);
  });

  it('keeps a slice that shares storage intact after its source is disposed', () => {
    const x = tf.tensor2d(randomValues(LENGTH, 3), [2, LENGTH / 2]);
    const source = tf.relu(x);
    // A contiguous slice: the cpu kernel returns a view of source's array.
    const view = tf.slice(source, [1, 0], [1, LENGTH / 2]);
    const expected = Float32Array.from(storedArray(view));
    source.dispose();
    const other = tf.neg(x);
    expect(Array.from(view.dataSync())).toEqual(Array.from(expected));
    tf.dispose([x, view, other]);
  });

  it('pads correctly into a reused array', () => {
    const x = tf.tensor2d(randomValues(254 * 254, 4), [254, 254]);
    const filler = tf.relu(tf.tensor2d(randomValues(256 * 256, 5, 1, 2), [256, 256]));
    filler.dispose();
    const padded = tf.pad(x, [[1, 1], [1, 1]]);
    const values = padded.dataSync();
    expect(values[0]).toBe(0);
    expect(values[256 * 256 - 1]).toBe(0);
    expect(values[257]).toBeCloseTo(randomValues(1, 4)[0] as number, 6);
    tf.dispose([x, padded]);
  });
});

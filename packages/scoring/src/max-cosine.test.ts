import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { CsiError, DataError, ShapeError } from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultChunkSize, maxCosineSimilarity } from './max-cosine.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Rows of uniform values in [−1, 1) from a fixed linear congruential sequence. */
function makeRows(count: number, size: number, seed: number): number[][] {
  let state = seed;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return (state / 4294967296) * 2 - 1;
  };
  return Array.from({ length: count }, () => Array.from({ length: size }, next));
}

/** max_m cos(q, k_m) in double precision with loops. */
function referenceMaxCosine(queries: number[][], keys: number[][]): number[] {
  const norm = (v: number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return queries.map((query) => {
    let best = -Infinity;
    for (const key of keys) {
      const dot = query.reduce((sum, x, d) => sum + x * key[d]!, 0);
      best = Math.max(best, dot / (norm(query) * norm(key)));
    }
    return best;
  });
}

describe('maxCosineSimilarity', () => {
  const queryRows = makeRows(37, 6, 1);
  const keyRows = makeRows(23, 6, 2);

  it('matches the double-precision loop', () => {
    const queries = tf.tensor2d(queryRows);
    const keys = tf.tensor2d(keyRows);
    const result = maxCosineSimilarity(queries, keys);
    const expected = referenceMaxCosine(queryRows, keyRows);

    expect(result).toBeInstanceOf(Float32Array);
    expect(result.length).toBe(37);
    result.forEach((value, q) => expect(value).toBeCloseTo(expected[q]!, 5));
    tf.dispose([queries, keys]);
  });

  it('gives the same result for every chunk size', () => {
    const queries = tf.tensor2d(queryRows);
    const keys = tf.tensor2d(keyRows);
    const unchunked = maxCosineSimilarity(queries, keys, 37);

    for (const chunkSize of [1, 5, 36, 100]) {
      const chunked = maxCosineSimilarity(queries, keys, chunkSize);
      expect(Array.from(chunked)).toEqual(Array.from(unchunked));
    }
    tf.dispose([queries, keys]);
  });

  it('ignores the scale of queries and keys', () => {
    const queries = tf.tensor2d([[2, 0]]);
    const keys = tf.tensor2d([
      [0, 5],
      [30, 30],
    ]);

    // cos((2, 0), (30, 30)) = 1/√2 beats cos((2, 0), (0, 5)) = 0.
    expect(maxCosineSimilarity(queries, keys)[0]).toBeCloseTo(Math.SQRT1_2, 6);
    tf.dispose([queries, keys]);
  });

  it('gives a zero query cosine 0', () => {
    const queries = tf.tensor2d([[0, 0]]);
    const keys = tf.tensor2d([[1, 2]]);

    expect(maxCosineSimilarity(queries, keys)[0]).toBe(0);
    tf.dispose([queries, keys]);
  });

  it('leaks no tensors', () => {
    const queries = tf.tensor2d(queryRows);
    const keys = tf.tensor2d(keyRows);
    const before = tf.memory().numTensors;
    maxCosineSimilarity(queries, keys, 4);

    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([queries, keys]);
  });

  it('sizes default chunks by the number of keys', () => {
    expect(defaultChunkSize(6000)).toBe(Math.floor(2 ** 24 / 6000));
    expect(defaultChunkSize(6000) * 6000).toBeLessThanOrEqual(2 ** 24);
    expect(defaultChunkSize(2 ** 30)).toBe(1);
  });

  it('rejects mismatched projection sizes', () => {
    const queries = tf.zeros([3, 4]) as tf.Tensor2D;
    const keys = tf.zeros([5, 3]) as tf.Tensor2D;

    expect(() => maxCosineSimilarity(queries, keys)).toThrow(ShapeError);
    expect(() => maxCosineSimilarity(queries, keys)).toThrow('maxCosineSimilarity: keys must be [M, P] = [M, 4]; got [5, 3]');
    tf.dispose([queries, keys]);
  });

  it('rejects empty keys and bad chunk sizes', () => {
    const queries = tf.zeros([3, 4]) as tf.Tensor2D;
    const noKeys = tf.zeros([0, 4]) as tf.Tensor2D;
    const keys = tf.ones([2, 4]) as tf.Tensor2D;

    expect(() => maxCosineSimilarity(queries, noKeys)).toThrow(DataError);
    expect(() => maxCosineSimilarity(queries, keys, 0)).toThrow(CsiError);
    expect(() => maxCosineSimilarity(queries, keys, 0)).toThrow('chunkSize must be a positive integer; got 0');
    tf.dispose([queries, noKeys, keys]);
  });
});

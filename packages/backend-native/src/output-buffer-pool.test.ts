import { describe, expect, it } from 'vitest';
import { OutputBufferPool } from './output-buffer-pool.js';

describe('OutputBufferPool', () => {
  const pool = (): OutputBufferPool => new OutputBufferPool(4, 1024);

  it('reuses a released array of the same length', () => {
    const buffers = pool();
    const first = buffers.take(8);
    buffers.noteStored(first);
    buffers.release(first);
    expect(buffers.heldBytes).toBe(32);
    expect(buffers.take(8)).toBe(first);
    expect(buffers.heldBytes).toBe(0);
    expect(buffers.take(8)).not.toBe(first);
  });

  it('does not serve another length', () => {
    const buffers = pool();
    const first = buffers.take(8);
    buffers.noteStored(first);
    buffers.release(first);
    expect(buffers.take(16)).not.toBe(first);
  });

  it('never reuses an array that was read', () => {
    const buffers = pool();
    const first = buffers.take(8);
    buffers.noteStored(first);
    buffers.noteRead(first);
    buffers.release(first);
    expect(buffers.heldBytes).toBe(0);
    expect(buffers.take(8)).not.toBe(first);
  });

  it('never reuses an array a view was stored from', () => {
    const buffers = pool();
    const first = buffers.take(8);
    buffers.noteStored(first);
    buffers.noteStored(first.subarray(2, 6));
    buffers.release(first);
    expect(buffers.take(8)).not.toBe(first);
  });

  it('never reuses an array stored under two tensors', () => {
    const buffers = pool();
    const first = buffers.take(8);
    buffers.noteStored(first);
    buffers.noteStored(first);
    buffers.release(first);
    expect(buffers.take(8)).not.toBe(first);
  });

  it('ignores arrays it did not allocate and short arrays', () => {
    const buffers = pool();
    const foreign = new Float32Array(8);
    buffers.noteStored(foreign);
    buffers.release(foreign);
    const short = buffers.take(2);
    buffers.noteStored(short);
    buffers.release(short);
    expect(buffers.heldBytes).toBe(0);
  });

  it('stops holding arrays beyond its byte limit', () => {
    const buffers = new OutputBufferPool(4, 40);
    const arrays = [buffers.take(8), buffers.take(8)];
    for (const array of arrays) {
      buffers.noteStored(array);
      buffers.release(array);
    }
    expect(buffers.heldBytes).toBe(32);
  });
});

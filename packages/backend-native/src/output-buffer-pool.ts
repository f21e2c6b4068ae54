/**
 * Recycles the Float32Arrays that native kernels write their outputs into.
 *
 * A fresh `new Float32Array(n)` of an activation's size costs more than the kernel that fills it,
 * because the memory comes zeroed from the operating system and every page faults on first write.
 * On a 2-core EPYC VM, copying 12.8 MB took 2.0 ms into a fresh array and 0.9 ms into a reused one.
 * A training step frees and reallocates the same sizes every time, so arrays that are disposed
 * come back here and serve the next request of the same length.
 *
 * An array is only reused when nothing else can still see it: the backend reports every array it
 * stores (`noteStored`), hands out (`noteRead`) and deletes (`release`). An array that was read
 * (dataSync, data, bufferSync), stored under a second tensor, or stored as a view (the cpu
 * backend's Slice returns subarrays of its input) is never reused.
 */
export class OutputBufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly tracked = new WeakMap<ArrayBufferLike, { array: Float32Array; stored: boolean; escaped: boolean }>();
  private freeBytes = 0;

  /**
   * @param minLength arrays shorter than this are allocated and dropped as usual.
   * @param maxFreeBytes released arrays beyond this total are left to the garbage collector.
   */
  constructor(
    private readonly minLength: number,
    private readonly maxFreeBytes: number,
  ) {}

  /** Returns a Float32Array of `length` elements with arbitrary contents, which the caller must overwrite. */
  take(length: number): Float32Array {
    if (length < this.minLength) return new Float32Array(length);
    const reused = this.free.get(length)?.pop();
    if (reused !== undefined) {
      this.freeBytes -= reused.byteLength;
      const state = this.tracked.get(reused.buffer);
      if (state !== undefined) state.stored = false;
      return reused;
    }
    const array = new Float32Array(length);
    this.tracked.set(array.buffer, { array, stored: false, escaped: false });
    return array;
  }

  /** Records that `values` now backs a tensor. */
  noteStored(values: unknown): void {
    const state = this.stateOf(values);
    if (state === undefined) return;
    if (values === state.array && !state.stored) state.stored = true;
    else state.escaped = true;
  }

  /** Records that `values` was handed to code outside the backend. */
  noteRead(values: unknown): void {
    const state = this.stateOf(values);
    if (state !== undefined) state.escaped = true;
  }

  /** Takes back the values of a deleted tensor, unless they may still be visible elsewhere. */
  release(values: unknown): void {
    const state = this.stateOf(values);
    if (state === undefined || values !== state.array) return;
    const array = state.array;
    if (state.escaped || this.freeBytes + array.byteLength > this.maxFreeBytes) {
      this.tracked.delete(array.buffer);
      return;
    }
    state.stored = false;
    const list = this.free.get(array.length);
    if (list === undefined) this.free.set(array.length, [array]);
    else list.push(array);
    this.freeBytes += array.byteLength;
  }

  /** Bytes held for reuse. */
  get heldBytes(): number {
    return this.freeBytes;
  }

  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  private stateOf(values: unknown): { array: Float32Array; stored: boolean; escaped: boolean } | undefined {
    return values instanceof Float32Array ? this.tracked.get(values.buffer) : undefined;
  }
}

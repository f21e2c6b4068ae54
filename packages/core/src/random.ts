import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

const TWO_TO_32 = 4294967296;

/**
 * A seedable source of random numbers (xoroshiro128+ from pure-rand). The same seed gives the
 * same sequence on every machine, and `getState` / `fromState` let a checkpoint resume the
 * sequence exactly.
 */
export class RandomSource {
  private constructor(private generator: RandomGenerator) {}

  static fromSeed(seed: number): RandomSource {
    // pure-rand seeds xoroshiro128+ almost directly from the integer, so seeds 2k and 2k + 1
    // would start with the same draw. Mixing first gives nearby seeds unrelated streams.
    return new RandomSource(xoroshiro128plus(mixSeed(seed)));
  }

  static fromState(state: readonly number[]): RandomSource {
    return new RandomSource(xoroshiro128plus.fromState(state));
  }

  /** The generator state; `RandomSource.fromState(state)` continues the same sequence. */
  getState(): number[] {
    return [...this.generator.getState()];
  }

  /** Draws a uniform value from [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return (this.generator.unsafeNext() >>> 0) / TWO_TO_32;
  }

  /** Draws a uniform value from [low, high). */
  uniformBetween(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Draws a uniform integer from [min, max], both included. */
  integer(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.generator);
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Draws from the standard normal distribution (Box-Muller). */
  normal(): number {
    const u = 1 - this.uniform(); // in (0, 1], so the logarithm is finite
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Draws a seed for TensorFlow.js initialisers and random ops, in [0, 2^31). */
  nextSeed(): number {
    return this.generator.unsafeNext() >>> 1;
  }

  /** Shuffles `values` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: unknown }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.integer(0, i);
      const swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
    return values;
  }

  /**
   * An independent stream seeded from this one, for a consumer whose number of draws must not
   * shift the draws of others (data order versus augmentation, say).
   */
  fork(): RandomSource {
    return RandomSource.fromSeed(this.nextSeed());
  }
}

/** Applies the 32-bit finaliser of MurmurHash3, a bijection that spreads nearby integers far apart. */
function mixSeed(seed: number): number {
  let h = seed | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

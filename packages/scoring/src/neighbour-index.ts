import type { FeatureBank, Tensor2D } from '@csi/core';
import { sliceProjections } from './feature-bank.js';
import { computeMaxCosineToUnitKeys, defaultChunkSize, normalizeRows } from './max-cosine.js';

/**
 * Unit-norm training projections z(T_y x_m) / ||z(T_y x_m)||, kept per shift y, for the
 * nearest-neighbour term of s_con. A test image under shift y is compared with the training
 * images under the same shift y only.
 */
export class ShiftNeighbourIndex {
  private readonly unitKeysByShift: Map<number, Tensor2D>;

  /** Keeps the normalised training projections of the listed shifts; `dispose` frees them. */
  constructor(train: FeatureBank, shifts: readonly number[]) {
    this.unitKeysByShift = new Map();
    for (const shift of shifts) {
      const projections = sliceProjections(train, shift);
      this.unitKeysByShift.set(shift, normalizeRows(projections));
      projections.dispose();
    }
  }

  /** Returns max_m cos(z(T_y x_m), z(T_y x)) for every test image x, [M_test]. */
  computeMaxCosine(test: FeatureBank, shift: number): Float32Array {
    const unitKeys = this.unitKeysByShift.get(shift);
    if (unitKeys === undefined) {
      throw new RangeError(`ShiftNeighbourIndex: shift ${shift} was not indexed`);
    }
    const queries = sliceProjections(test, shift);
    try {
      return computeMaxCosineToUnitKeys(queries, unitKeys, defaultChunkSize(unitKeys.shape[0]));
    } finally {
      queries.dispose();
    }
  }

  dispose(): void {
    for (const unitKeys of this.unitKeysByShift.values()) unitKeys.dispose();
    this.unitKeysByShift.clear();
  }
}

import { SpecError } from '@csi/core';

/** A closed interval [min, max] given as a two-element option, e.g. `scale: [0.08, 1]`. */
export type RangeOption = [number, number];

/**
 * Throws a SpecError unless `range` is [min, max] with min ≤ max. JSON Schema checks each bound
 * but cannot compare the two, so components call this from `create`.
 */
export function assertOrderedRange(component: string, option: string, range: readonly number[]): void {
  const [min, max] = range;
  if (range.length !== 2 || min === undefined || max === undefined || !(min <= max)) {
    throw new SpecError([
      {
        path: option,
        message: `${component}: ${option} must be [min, max] with min ≤ max; got [${range.join(', ')}]. Swap the bounds, e.g. [${[...range].sort((a, b) => a - b).join(', ')}].`,
      },
    ]);
  }
}

import type { Tensor } from '@tensorflow/tfjs-core';
import { ShapeError } from './errors.js';

/**
 * Throws a ShapeError unless `tensor` has exactly `expected` as its shape. A `null` entry
 * matches any size. `names` labels each dimension in the message, e.g. `['2·N·K', 'P']`.
 *
 * Example message: `conSiLoss: projections must be [2·N·K, P] = [32, 128]; got [30, 128]`.
 */
export function assertShape(
  functionName: string,
  tensorName: string,
  tensor: Tensor,
  expected: readonly (number | null)[],
  names: readonly string[],
): void {
  const actual = tensor.shape;
  const matches =
    actual.length === expected.length && expected.every((size, i) => size === null || size === actual[i]);
  if (matches) return;
  const expectedText = expected.map((size, i) => (size === null ? names[i] : String(size))).join(', ');
  throw new ShapeError(
    `${functionName}: ${tensorName} must be [${names.join(', ')}] = [${expectedText}]; got [${actual.join(', ')}]`,
  );
}

import { ShapeError, assertShape, countViews, type Tensor2D, type ViewLayout } from '@csi/core';

/** Throws a ShapeError unless N, K and the number of views are positive integers. */
export function assertLayout(functionName: string, layout: ViewLayout): void {
  const fields = ['numImages', 'numShifts', 'numViews'] as const;
  for (const field of fields) {
    const value = layout[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new ShapeError(`${functionName}: layout.${field} must be a positive integer; got ${value}`);
    }
  }
}

/**
 * Throws a ShapeError unless `projections` is [2·N·K, P] for a layout with exactly two views,
 * the shape that NT-Xent and con-SI need to find each row's single positive.
 */
export function assertPairedViews(functionName: string, projections: Tensor2D, layout: ViewLayout): void {
  assertLayout(functionName, layout);
  if (layout.numViews !== 2) {
    throw new ShapeError(
      `${functionName}: layout.numViews must be 2, because each (image, shift) needs exactly one ` +
        `positive view; got ${layout.numViews}. Stack two soft views of every shifted image.`,
    );
  }
  assertShape(functionName, 'projections', projections, [countViews(layout), projections.shape[1] ?? null], [
    '2·N·K',
    'P',
  ]);
}

/** Returns y for every row r = v·(K·N) + y·N + i of the layout, as [V] int32 values. */
export function computeShiftOfRows(layout: ViewLayout): Int32Array {
  const shifts = new Int32Array(countViews(layout));
  for (let row = 0; row < shifts.length; row++) {
    shifts[row] = Math.floor(row / layout.numImages) % layout.numShifts;
  }
  return shifts;
}

/** Returns i for every row r = v·(K·N) + y·N + i of the layout, as [V] int32 values. */
export function computeImageOfRows(layout: ViewLayout): Int32Array {
  const images = new Int32Array(countViews(layout));
  for (let row = 0; row < images.length; row++) {
    images[row] = row % layout.numImages;
  }
  return images;
}


import { CsiError, ShapeError, type Tensor4D } from '@csi/core';

/**
 * Throws a ShapeError unless `images` is a float32 image batch [N, H, W, C] (NHWC) with at least
 * one pixel. `functionName` starts the message, e.g. `rotation`.
 */
export function assertImageBatch(functionName: string, images: Tensor4D): void {
  const shape = images.shape as readonly number[];
  if (shape.length !== 4) {
    throw new ShapeError(
      `${functionName}: images must be a batch [N, H, W, C] (NHWC); got rank ${shape.length} shape [${shape.join(', ')}]. ` +
        'Add the batch dimension with expandDims(0) for a single image.',
    );
  }
  if (images.dtype !== 'float32') {
    throw new ShapeError(
      `${functionName}: images must be float32 in [0, 1]; got dtype ${images.dtype}. Convert with tf.div(tf.cast(images, 'float32'), 255) for 8-bit pixels.`,
    );
  }
  if (shape[1] === 0 || shape[2] === 0) {
    throw new ShapeError(`${functionName}: images must have H, W ≥ 1; got [${shape.join(', ')}]`);
  }
}

/**
 * Throws a ShapeError unless the images have one of the `allowed` channel counts. `reason`
 * explains the rule in the message, e.g. "it permutes the R, G and B channels".
 */
export function assertChannels(
  functionName: string,
  images: Tensor4D,
  allowed: readonly number[],
  reason: string,
): void {
  const channels = images.shape[3];
  if (!allowed.includes(channels)) {
    const expected = allowed.length === 1 ? String(allowed[0]) : `one of ${allowed.join(', ')}`;
    throw new ShapeError(
      `${functionName}: images must have C = ${expected} channels because ${reason}; got [${images.shape.join(', ')}]`,
    );
  }
}

/** Throws unless `shift` is an integer variant index in [0, numShifts). */
export function assertShiftIndex(functionName: string, shift: number, numShifts: number): void {
  if (!Number.isInteger(shift) || shift < 0 || shift >= numShifts) {
    throw new CsiError(
      `${functionName}: shift index must be an integer in [0, ${numShifts}) because this transform has K = ${numShifts} variants; got ${shift}`,
    );
  }
}

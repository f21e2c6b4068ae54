/**
 * Index arithmetic, one spatial axis at a time, that rewrites the two gradients of a strided 2-D
 * convolution as stride-1 convolutions. The forward convolution reads, for output position o,
 * the inputs o·stride + k − padBefore for filter taps k = 0 … filterSize − 1 (dilation 1).
 */

/** The parameters of one axis of the filter gradient, computed as a dilated convolution over the input. */
export interface FilterGradientAxisPlan {
  /** Leading input positions that some output reads; later ones are cropped away first. */
  usedInputSize: number;
  /** Zero padding before the cropped input, equal to the forward convolution's. */
  padBefore: number;
  /** Zero padding after the cropped input, so the result has exactly filterSize positions. */
  padAfter: number;
}

/**
 * Plans one axis of dW[k] = Σ_o x[o·stride + k − padBefore] · dy[o], read as a convolution of
 * x with dy dilated by the stride. Returns `null` when every position the forward convolution
 * reads lies in the padding, so the filter gradient is zero.
 */
export function planFilterGradientAxis(
  inputSize: number,
  outputSize: number,
  filterSize: number,
  stride: number,
  padBefore: number,
): FilterGradientAxisPlan | null {
  // The last output's last tap reads (outputSize − 1)·stride + filterSize − 1 − padBefore.
  const usedInputSize = Math.min(inputSize, (outputSize - 1) * stride + filterSize - padBefore);
  if (usedInputSize <= 0) return null;
  const padAfter = (outputSize - 1) * stride + filterSize - padBefore - usedInputSize;
  return { usedInputSize, padBefore, padAfter };
}

/**
 * The parameters of one axis of the input gradient, computed as a stride-1 convolution of dy.
 * Input position q·stride + r belongs to phase r (0 ≤ r < stride). Each phase is an ordinary
 * convolution of dy with its own sub-filter. The phases share one window, so a single
 * convolution with stride² times the channels computes all of them, and a depth-to-space step
 * then interleaves them.
 */
export interface InputGradientAxisPlan {
  stride: number;
  /** Window size T of the phase convolution. */
  windowSize: number;
  /** Zero padding of dy before and after. */
  padBefore: number;
  padAfter: number;
  /** Positions per phase that the phase convolution yields; phaseSize · stride ≥ inputSize. */
  phaseSize: number;
  /** taps[r][t]: the forward filter tap that window position t applies in phase r, or −1 for none. */
  taps: number[][];
}

/**
 * Plans one axis of dx[h] = Σ dy[o] · w[k] over o·stride + k − padBefore = h. With stride 1
 * this is the familiar convolution of dy with the reversed filter.
 */
export function planInputGradientAxis(
  inputSize: number,
  outputSize: number,
  filterSize: number,
  stride: number,
  padBefore: number,
): InputGradientAxisPlan {
  // Phase r: h = q·stride + r is reached by taps k ≡ r + padBefore (mod stride), that is
  // k = first + m·stride, each reading dy[q + shift − m].
  const phases = Array.from({ length: stride }, (_, r) => {
    const first = (r + padBefore) % stride;
    const shift = Math.floor((r + padBefore) / stride);
    const tapCount = first < filterSize ? Math.ceil((filterSize - first) / stride) : 0;
    return { first, shift, tapCount };
  });
  const active = phases.filter((phase) => phase.tapCount > 0);

  // Window position t reads dy[q − padBefore' + t]; tap m of a phase sits at t = padBefore' + shift − m.
  // The smallest padBefore' that keeps every t ≥ 0 is the one that wastes no window positions.
  const dyPadBefore = Math.max(0, ...active.map((phase) => phase.tapCount - 1 - phase.shift));
  const windowSize = dyPadBefore + Math.max(0, ...active.map((phase) => phase.shift)) + 1;
  const taps = phases.map((phase) => {
    const row = new Array<number>(windowSize).fill(-1);
    for (let m = 0; m < phase.tapCount; m++) row[dyPadBefore + phase.shift - m] = phase.first + m * stride;
    return row;
  });

  const neededPhaseSize = Math.ceil(inputSize / stride);
  // A negative pad would crop dy; padding 0 instead yields extra positions that are sliced off.
  const dyPadAfter = Math.max(0, neededPhaseSize + windowSize - 1 - outputSize - dyPadBefore);
  const phaseSize = outputSize + dyPadBefore + dyPadAfter - windowSize + 1;
  return { stride, windowSize, padBefore: dyPadBefore, padAfter: dyPadAfter, phaseSize, taps };
}

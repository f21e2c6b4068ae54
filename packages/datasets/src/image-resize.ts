/** Size of an HWC uint8 image: [H, W, C]. */
export type ImageSize = readonly [height: number, width: number, channels: number];

/**
 * Resizes an HWC uint8 image to [height, width] with a separable triangle (bilinear) filter on
 * pixel centres: output pixel i of an axis samples at source coordinate (i + 0.5) · scale with
 * scale = input / output. When shrinking, the triangle is widened by the scale, so every
 * source pixel contributes and shrinking a large photo does not alias. When enlarging, this is
 * plain bilinear interpolation with edge pixels repeated. Weights are normalised over the
 * pixels inside the image. Values are rounded to the nearest integer in [0, 255]. Returns a new
 * array; an image already of the target size is copied unchanged.
 */
export function resizeBilinear(pixels: Uint8Array, size: ImageSize, height: number, width: number): Uint8Array {
  const [inputHeight, inputWidth, channels] = size;
  if (pixels.length !== inputHeight * inputWidth * channels) {
    throw new RangeError(
      `resizeBilinear: pixels has ${pixels.length} values, expected H·W·C = ${inputHeight}·${inputWidth}·${channels}`,
    );
  }
  if (inputHeight === height && inputWidth === width) return pixels.slice();

  const columns = filterWeights(inputWidth, width);
  const rows = filterWeights(inputHeight, height);

  // Horizontal pass into floats [inputHeight, width, C], then vertical pass into bytes.
  const horizontal = new Float32Array(inputHeight * width * channels);
  for (let y = 0; y < inputHeight; y++) {
    for (let x = 0; x < width; x++) {
      const { first, weights } = columns[x] as AxisWeights;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) {
          sum += (weights[k] as number) * (pixels[(y * inputWidth + first + k) * channels + c] as number);
        }
        horizontal[(y * width + x) * channels + c] = sum;
      }
    }
  }

  const output = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    const { first, weights } = rows[y] as AxisWeights;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) {
          sum += (weights[k] as number) * (horizontal[((first + k) * width + x) * channels + c] as number);
        }
        output[(y * width + x) * channels + c] = Math.min(255, Math.max(0, Math.round(sum)));
      }
    }
  }
  return output;
}

/** Source pixels first, first + 1, ... and their normalised weights for one output pixel. */
interface AxisWeights {
  first: number;
  weights: Float64Array;
}

function filterWeights(inputLength: number, outputLength: number): AxisWeights[] {
  const scale = inputLength / outputLength;
  const spread = Math.max(scale, 1);
  const result: AxisWeights[] = [];
  for (let i = 0; i < outputLength; i++) {
    const centre = (i + 0.5) * scale;
    const first = Math.max(0, Math.floor(centre - spread));
    const last = Math.min(inputLength - 1, Math.ceil(centre + spread));
    const raw: number[] = [];
    for (let j = first; j <= last; j++) raw.push(Math.max(0, 1 - Math.abs(j + 0.5 - centre) / spread));
    const total = raw.reduce((sum, weight) => sum + weight, 0);
    result.push({ first, weights: Float64Array.from(raw, (weight) => weight / total) });
  }
  return result;
}

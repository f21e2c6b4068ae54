import { CsiError, DataError, RunError, ShapeError } from '@csi/core';

/** ECE bins of Guo et al. (2017) and of the CSI authors' evaluation. */
const DEFAULT_CALIBRATION_BINS = 15;

/**
 * Computes the top-1 accuracy of class probabilities: the fraction of included rows whose
 * largest probability is at the true class. Tied probabilities go to the lowest class index.
 *
 * @param probabilities [M_test, C] row-major class probabilities; NaN is rejected in included rows.
 * @param numClasses C ≥ 1.
 * @param labels [M_test] true class of each row, in [0, C) for included rows.
 * @param include [M_test] 1 to count a row, 0 to skip it (an out-of-distribution image, whose
 *   label is not checked); all rows count when omitted. At least one row must be included.
 * @returns a value in [0, 1].
 */
export function computeAccuracy(
  probabilities: Float32Array,
  numClasses: number,
  labels: Int32Array,
  include?: Uint8Array,
): number {
  const rows = selectRows('computeAccuracy', probabilities, numClasses, labels, include);
  let numCorrect = 0;
  for (const row of rows) {
    if (findPredictedClass(probabilities, numClasses, row) === labels[row]) numCorrect++;
  }
  return numCorrect / rows.length;
}

/**
 * Computes the expected calibration error (ECE) of Guo et al., "On Calibration of Modern Neural
 * Networks" (ICML 2017). The confidence of a row is its largest probability, and the prediction
 * is that class (ties to the lowest index). Bin b of `numBins` equal-width bins contains the
 * confidences in (b/n, (b+1)/n], and a confidence of 0 goes into bin 0. Then
 *
 *   ECE = Σ_b |B_b| / n_rows · |accuracy(B_b) − mean confidence(B_b)|.
 *
 * The bin edges are rounded to float32, like the confidences, so that a confidence written as
 * 1/15 lands in the first bin, as it does with the float32 edges of the PyTorch reference.
 *
 * NOTE: the CSI authors' evaluation averages the ECE of each test batch. This function takes
 * the whole set at once, so its values can differ slightly from theirs.
 *
 * @param probabilities [M_test, C] row-major class probabilities, in [0, 1] for included rows.
 * @param numClasses C ≥ 1.
 * @param labels [M_test] true class of each row, in [0, C) for included rows.
 * @param include [M_test] 1 to count a row, 0 to skip it; all rows count when omitted.
 * @param numBins n ≥ 1 equal-width confidence bins, 15 by default.
 * @returns a value in [0, 1]; 0 means perfectly calibrated.
 */
export function computeExpectedCalibrationError(
  probabilities: Float32Array,
  numClasses: number,
  labels: Int32Array,
  include?: Uint8Array,
  numBins: number = DEFAULT_CALIBRATION_BINS,
): number {
  const functionName = 'computeExpectedCalibrationError';
  if (!Number.isInteger(numBins) || numBins < 1) {
    throw new CsiError(`${functionName}: numBins must be an integer of at least 1; got ${numBins}. The usual value is 15.`);
  }
  const rows = selectRows(functionName, probabilities, numClasses, labels, include);

  const binCounts = new Float64Array(numBins);
  const binCorrect = new Float64Array(numBins);
  const binConfidence = new Float64Array(numBins);
  for (const row of rows) {
    const predicted = findPredictedClass(probabilities, numClasses, row);
    const confidence = probabilities[row * numClasses + predicted]!;
    if (confidence < 0 || confidence > 1) {
      throw new DataError(
        `${functionName}: the largest probability of row ${row} is ${confidence}, outside [0, 1]. ` +
          'Pass probabilities (softmax outputs), not logits.',
      );
    }
    const bin = findBin(confidence, numBins);
    binCounts[bin]! += 1;
    binConfidence[bin]! += confidence;
    if (predicted === labels[row]) binCorrect[bin]! += 1;
  }

  let error = 0;
  for (let bin = 0; bin < numBins; bin++) {
    const count = binCounts[bin]!;
    if (count === 0) continue;
    // |B_b|/n · |acc − conf| = |correct_b − Σ confidence_b| / n.
    error += Math.abs(binCorrect[bin]! - binConfidence[bin]!) / rows.length;
  }
  return error;
}

/**
 * Returns the predicted class of row `row` of `probabilities` [M, C] row-major: the index of its
 * largest entry, the lowest index among ties.
 */
export function findPredictedClass(probabilities: Float32Array, numClasses: number, row: number): number {
  const start = row * numClasses;
  let best = 0;
  for (let classIndex = 1; classIndex < numClasses; classIndex++) {
    if (probabilities[start + classIndex]! > probabilities[start + best]!) best = classIndex;
  }
  return best;
}

/** Returns b with confidence in (edge_b, edge_{b+1}], edge_b = b/n rounded to float32; 0 maps to bin 0. */
function findBin(confidence: number, numBins: number): number {
  let bin = Math.min(numBins - 1, Math.max(0, Math.ceil(confidence * numBins) - 1));
  // confidence · n can round across an edge, so step to the bin whose float32 edges enclose it.
  while (bin > 0 && confidence <= Math.fround(bin / numBins)) bin--;
  while (bin < numBins - 1 && confidence > Math.fround((bin + 1) / numBins)) bin++;
  return bin;
}

/**
 * Checks the inputs of a classification metric and returns the indices of the included rows.
 * Labels and probabilities of excluded rows are not checked.
 */
function selectRows(
  functionName: string,
  probabilities: Float32Array,
  numClasses: number,
  labels: Int32Array,
  include: Uint8Array | undefined,
): number[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ShapeError(`${functionName}: numClasses must be an integer of at least 1; got ${numClasses}`);
  }
  const numRows = labels.length;
  if (probabilities.length !== numRows * numClasses) {
    throw new ShapeError(
      `${functionName}: probabilities must be [M_test, C] = [${numRows}, ${numClasses}] row-major, ` +
        `${numRows * numClasses} values for ${numRows} labels; got ${probabilities.length} values`,
    );
  }
  if (include !== undefined && include.length !== numRows) {
    throw new ShapeError(
      `${functionName}: include must have one entry per row, ${numRows}; got ${include.length} entries`,
    );
  }

  const rows: number[] = [];
  for (let row = 0; row < numRows; row++) {
    const flag = include === undefined ? 1 : include[row]!;
    if (flag !== 0 && flag !== 1) {
      throw new DataError(`${functionName}: include[${row}] is ${flag}; entries must be 1 (count) or 0 (skip)`);
    }
    if (flag === 0) continue;
    const label = labels[row]!;
    if (label < 0 || label >= numClasses) {
      throw new DataError(
        `${functionName}: labels[${row}] is ${label}, outside [0, ${numClasses}). Exclude rows without a ` +
          'class (out-of-distribution images) with the include mask.',
      );
    }
    assertNoNaN(functionName, probabilities, numClasses, row);
    rows.push(row);
  }

  if (rows.length === 0) {
    throw new DataError(
      `${functionName}: no row to evaluate, because ` +
        (numRows === 0 ? 'labels is empty. ' : `the include mask excludes all ${numRows} rows. `) +
        'Pass at least one in-distribution test image.',
    );
  }
  return rows;
}

function assertNoNaN(functionName: string, probabilities: Float32Array, numClasses: number, row: number): void {
  for (let classIndex = 0; classIndex < numClasses; classIndex++) {
    if (Number.isNaN(probabilities[row * numClasses + classIndex])) {
      throw new RunError(
        `${functionName}: probabilities[${row}, ${classIndex}] is NaN. The classifier produced NaN; ` +
          'check its training for divergence and lower the learning rate.',
      );
    }
  }
}

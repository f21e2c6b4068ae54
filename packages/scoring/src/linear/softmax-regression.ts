import * as tf from '@tensorflow/tfjs-core';
import { RandomSource, RunError, type Tensor1D, type Tensor2D } from '@csi/core';

/** Settings of mini-batch Adam for a softmax regression. */
export interface AdamSettings {
  epochs: number;
  /** Rows per step; the last step of an epoch takes the rows that remain. */
  batchSize: number;
  learningRate: number;
  /** L2 penalty added to the weight gradient (not to the bias), as PyTorch's Adam does. */
  weightDecay: number;
  /** Seeds the row order of each epoch. */
  seed: number;
}

/**
 * A trained multinomial logistic regression on standardised inputs:
 * logits = ((x − mean) / scale) · weights + bias. Free its tensors with `disposeSoftmaxRegression`.
 */
export interface SoftmaxRegression {
  /** [D] float32 per-dimension mean of the training rows. */
  mean: Tensor1D;
  /** [D] float32 per-dimension standard deviation of the training rows, 1 where it is (nearly) 0. */
  scale: Tensor1D;
  /** [D, J] float32, J outputs. */
  weights: Tensor2D;
  /** [J] float32. */
  bias: Tensor1D;
}

// PyTorch's Adam defaults (torch.optim.Adam, betas=(0.9, 0.999), eps=1e-8).
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

// Rows per slice when computing the mean and standard deviation, so that no temporary tensor
// is larger than [STATISTICS_CHUNK, D] however many rows there are.
const STATISTICS_CHUNK = 16384;

// A standard deviation below this fraction of |mean| is float32 rounding noise of a constant
// dimension (float32 has a relative precision of about 6e-8), not a real spread.
const CONSTANT_DIMENSION_RATIO = 1e-6;

/**
 * Trains softmax cross-entropy of a linear layer on fixed rows with mini-batch Adam, using the
 * closed-form gradient dLoss/dlogits = (P − Y) / B of softmax cross-entropy. No autodiff is
 * used, because tfjs gradients are not registered in every context where scores run.
 *
 * The rows are standardised per dimension with their mean and standard deviation first.
 * Penultimate features of different networks differ in scale by orders of magnitude, and a
 * fixed learning rate fits badly when the inputs are far from unit scale.
 *
 * Weights and bias start at 0, the problem is convex, and only the row order is random, so the
 * same seed gives the same model on the same backend.
 *
 * @param rows [R, D] float32 inputs; not disposed, not copied whole.
 * @param targets [R] class index of each row, in [0, numOutputs).
 * @param numOutputs J ≥ 1.
 * @returns the model; the caller disposes it with `disposeSoftmaxRegression`.
 * @throws RunError when the weights become NaN or infinite (too large a learning rate).
 */
export function trainSoftmaxRegression(
  rows: Tensor2D,
  targets: Int32Array,
  numOutputs: number,
  settings: AdamSettings,
): SoftmaxRegression {
  const [numRows, size] = rows.shape;
  const { mean, scale } = computeStandardization(rows);
  let weights = createAdamSlot([size, numOutputs]);
  let bias = createAdamSlot([numOutputs]);

  const random = RandomSource.fromSeed(settings.seed);
  const order = Int32Array.from({ length: numRows }, (_, row) => row);
  let step = 0;
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    random.shuffle(order);
    for (let start = 0; start < numRows; start += settings.batchSize) {
      step++;
      const batchRows = order.slice(start, Math.min(start + settings.batchSize, numRows));
      const batchTargets = Int32Array.from(batchRows, (row) => targets[row]!);
      const next = tf.tidy(() => {
        const inputs = standardize(tf.gather(rows, tf.tensor1d(batchRows, 'int32')), mean, scale);
        const probabilities = tf.softmax(tf.add(tf.matMul(inputs, weights.parameter), bias.parameter));
        const oneHot = tf.oneHot(tf.tensor1d(batchTargets, 'int32'), numOutputs);
        // d(mean cross-entropy)/d(logits) = (P − Y) / B, so dW = Xᵀ(P − Y) / B and db = Σ_rows (P − Y) / B.
        const logitGradient = tf.div(tf.sub(probabilities, oneHot), batchRows.length);
        const weightsGradient = tf.add(
          tf.matMul(inputs, logitGradient, true, false),
          tf.mul(weights.parameter, settings.weightDecay),
        );
        const biasGradient = tf.sum(logitGradient, 0);
        return {
          weights: updateAdam(weights, weightsGradient, step, settings.learningRate),
          bias: updateAdam(bias, biasGradient, step, settings.learningRate),
        };
      });
      tf.dispose([...Object.values(weights), ...Object.values(bias)]);
      ({ weights, bias } = next);
    }
  }

  tf.dispose([weights.moment1, weights.moment2, bias.moment1, bias.moment2]);
  const model = { mean, scale, weights: weights.parameter as Tensor2D, bias: bias.parameter as Tensor1D };
  assertFinite(model, settings.learningRate);
  return model;
}

/**
 * Computes the logits ((x − mean) / scale) · weights + bias.
 *
 * @param rows [R, D] float32.
 * @returns [R, J] float32; the caller disposes it.
 */
export function computeLogits(model: SoftmaxRegression, rows: Tensor2D): Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(standardize(rows, model.mean, model.scale), model.weights), model.bias));
}

export function disposeSoftmaxRegression(model: SoftmaxRegression): void {
  tf.dispose([model.mean, model.scale, model.weights, model.bias]);
}

function standardize(rows: Tensor2D, mean: Tensor1D, scale: Tensor1D): Tensor2D {
  return tf.div(tf.sub(rows, mean), scale);
}

/** A parameter with its Adam moments: the running means of the gradient and of its square. */
type AdamSlot = {
  parameter: tf.Tensor;
  moment1: tf.Tensor;
  moment2: tf.Tensor;
};

function createAdamSlot(shape: number[]): AdamSlot {
  return { parameter: tf.zeros(shape), moment1: tf.zeros(shape), moment2: tf.zeros(shape) };
}

/** Returns the slot after one Adam step (Kingma and Ba 2015), with PyTorch's bias correction and ε placement. */
function updateAdam(slot: AdamSlot, gradient: tf.Tensor, step: number, learningRate: number): AdamSlot {
  const moment1 = tf.add(tf.mul(slot.moment1, BETA1), tf.mul(gradient, 1 - BETA1));
  const moment2 = tf.add(tf.mul(slot.moment2, BETA2), tf.mul(tf.square(gradient), 1 - BETA2));
  const corrected1 = tf.div(moment1, 1 - BETA1 ** step);
  const corrected2 = tf.div(moment2, 1 - BETA2 ** step);
  const update = tf.mul(tf.div(corrected1, tf.add(tf.sqrt(corrected2), EPSILON)), learningRate);
  return { parameter: tf.sub(slot.parameter, update), moment1, moment2 };
}

/**
 * Computes the per-dimension mean and standard deviation (population form) of `rows` in two
 * passes over row slices, summing each slice in float32 and the slices in float64.
 */
function computeStandardization(rows: Tensor2D): { mean: Tensor1D; scale: Tensor1D } {
  const [numRows, size] = rows.shape;
  const sums = new Float64Array(size);
  forEachSlice(rows, (slice) => tf.sum(slice, 0), sums);
  const mean = Float32Array.from(sums, (sum) => sum / numRows);

  const squaredSums = new Float64Array(size);
  const meanTensor = tf.tensor1d(mean);
  forEachSlice(rows, (slice) => tf.sum(tf.square(tf.sub(slice, meanTensor)), 0), squaredSums);

  const scale = Float32Array.from(squaredSums, (squaredSum, dimension) => {
    const deviation = Math.sqrt(squaredSum / numRows);
    // A constant dimension carries no information. Dividing it by 1 keeps it at 0, where
    // dividing by its (near-)zero deviation would give NaN or blow rounding noise up to unit scale.
    const isConstant = deviation === 0 || deviation <= CONSTANT_DIMENSION_RATIO * Math.abs(mean[dimension]!);
    return isConstant ? 1 : deviation;
  });
  return { mean: meanTensor, scale: tf.tensor1d(scale) };
}

/** Adds `reduce(slice)` ([D]) of each row slice of `rows` into `totals`, in float64. */
function forEachSlice(rows: Tensor2D, reduce: (slice: Tensor2D) => tf.Tensor, totals: Float64Array): void {
  const [numRows, size] = rows.shape;
  for (let start = 0; start < numRows; start += STATISTICS_CHUNK) {
    const count = Math.min(STATISTICS_CHUNK, numRows - start);
    const partial = tf.tidy(() => reduce(tf.slice(rows, [start, 0], [count, size])));
    const values = partial.dataSync();
    partial.dispose();
    for (let dimension = 0; dimension < size; dimension++) totals[dimension]! += values[dimension]!;
  }
}

function assertFinite(model: SoftmaxRegression, learningRate: number): void {
  const finite = tf.tidy(() => tf.logicalAnd(tf.all(tf.isFinite(model.weights)), tf.all(tf.isFinite(model.bias))));
  const isFinite = finite.dataSync()[0] === 1;
  finite.dispose();
  if (!isFinite) {
    disposeSoftmaxRegression(model);
    throw new RunError(
      `linear classifier: training produced NaN or infinite weights (learning rate ${learningRate}). ` +
        'Check the features for NaN and lower learningRate.',
    );
  }
}

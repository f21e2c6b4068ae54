/**
 * The linear evaluation of sup-CSI: a linear classifier over the frozen penultimate features
 * f(x) that predicts the joint label (shift y, class c), and its marginalised class
 * probabilities as a classifier and as a detection score.
 *
 * NOTE: the authors' linear evaluation (alinlab/CSI, training/sup/sup_linear.py, run for 100
 * epochs as their README shows) passes augmented images through the frozen network at each
 * step. The augmentation is a random horizontal flip, the SimCLR augmentation and all four
 * rotations, and the optimiser is SGD at learning rate 0.1, divided by 10 at 60, 75 and 90% of
 * the epochs. This score trains on the fixed, non-augmented features of the training bank with
 * Adam at a constant learning rate instead, which is far cheaper on a CPU. Because the
 * classifier is never trained on augmented views, accuracy and calibration can differ from theirs.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  CsiError,
  DataError,
  ShapeError,
  assertShape,
  defineScore,
  type DetectionScore,
  type FeatureBank,
  type JsonSchema,
  type Tensor2D,
  type Tensor3D,
} from '@csi/core';
import { assertSameShiftsAndSize, describeFeatureBank, describeTrainingBank, type BankShape } from '../feature-bank.js';
import {
  computeLogits,
  disposeSoftmaxRegression,
  trainSoftmaxRegression,
  type AdamSettings,
  type SoftmaxRegression,
} from './softmax-regression.js';

/** Options of the `linear` score: the settings of its Adam optimiser. */
export type LinearScoreOptions = AdamSettings;

/** A detection score that is also a classifier over C classes. */
export interface LinearScore extends DetectionScore {
  classProbabilities(test: FeatureBank): Float32Array;
}

const NAME = 'linear';
const LABEL = `score "${NAME}"`;

const DEFAULT_OPTIONS: LinearScoreOptions = {
  epochs: 50,
  batchSize: 512,
  learningRate: 0.01,
  weightDecay: 0,
  seed: 0,
};

const optionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    epochs: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_OPTIONS.epochs,
      description: 'Passes over the K·M training feature rows.',
    },
    batchSize: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_OPTIONS.batchSize,
      description: 'Feature rows per Adam step.',
    },
    learningRate: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_OPTIONS.learningRate,
      description: 'Adam step size, constant over training; features are standardised first.',
    },
    weightDecay: {
      type: 'number',
      minimum: 0,
      default: DEFAULT_OPTIONS.weightDecay,
      description: 'L2 penalty on the weights (not the bias), added to their gradient.',
    },
    seed: {
      type: 'integer',
      default: DEFAULT_OPTIONS.seed,
      description: 'Seeds the order of the training rows in each epoch.',
    },
  },
};

/** State kept by `fit`: the joint classifier with K·C outputs, and the sizes it was trained for. */
interface LinearState {
  model: SoftmaxRegression;
  shape: BankShape;
  featureSize: number;
  numClasses: number;
}

/**
 * Creates the `linear` score. `fit(train)` trains a multinomial logistic regression, one linear
 * layer W [D, K·C] and b [K·C], on f(T_y x_m) of every training image m under every shift y.
 * The target of that row is the joint label y·C + c_m: K blocks of C classes, shift-major, as the
 * authors' joint distribution layer. With K = 1 this is a plain C-class linear classifier, the
 * linear evaluation of SupCLR.
 *
 * `classProbabilities(test)` marginalises over the shifts as the authors' sup-CSI evaluation:
 * logit_c(x) = (1/K) Σ_y joint_logit(T_y x)[y·C + c], then a softmax over c. `score(test)` is
 * the largest of those probabilities (larger = more normal).
 *
 * Both banks need `features` [K, M, D] float32; the training bank also needs `labels` [M] in
 * [0, C) and `numClasses` C, which the `labelled-multi-class` protocol fills.
 *
 * @param options Adam settings; missing ones take the schema defaults.
 * @returns a score whose `dispose()` frees the trained weights.
 */
export function createLinearScore(options: Partial<LinearScoreOptions> = {}): LinearScore {
  const settings = resolveOptions(options);
  let fitted: LinearState | undefined;

  const requireFitted = (method: string): LinearState => {
    if (!fitted) {
      throw new CsiError(
        `${LABEL}: ${method}() was called before fit() or after dispose(); call fit() with the training feature bank first`,
      );
    }
    return fitted;
  };

  const classProbabilities = (test: FeatureBank): Float32Array => {
    const state = requireFitted('classProbabilities');
    const features = readTestFeatures(state, test);
    const probabilities = tf.tidy(() => tf.softmax(computeMarginalLogits(state, features)));
    const values = Float32Array.from(probabilities.dataSync());
    probabilities.dispose();
    return values;
  };

  return {
    fit(train) {
      const state = fitLinear(train, settings);
      if (fitted) disposeSoftmaxRegression(fitted.model);
      fitted = state;
    },
    classProbabilities,
    score(test) {
      const numClasses = requireFitted('score').numClasses;
      const probabilities = classProbabilities(test);
      const scores = new Float32Array(probabilities.length / numClasses);
      for (let image = 0; image < scores.length; image++) {
        scores[image] = Math.max(...probabilities.subarray(image * numClasses, (image + 1) * numClasses));
      }
      return scores;
    },
    dispose() {
      if (fitted) disposeSoftmaxRegression(fitted.model);
      fitted = undefined;
    },
  };
}

export const linearScore = defineScore<LinearScoreOptions>({
  name: NAME,
  summary:
    'sup-CSI linear evaluation: max class probability of a (shift, class) classifier on f(x), averaged over shifts; adds accuracy and ece. Needs labelled-multi-class.',
  classLabels: 'needed',
  optionsSchema,
  create: (options) => createLinearScore(options),
});

/** Fills defaults and checks the options, for callers that bypass the schema. */
function resolveOptions(options: Partial<LinearScoreOptions>): LinearScoreOptions {
  const settings = { ...DEFAULT_OPTIONS, ...options };
  const problems: string[] = [];
  for (const key of ['epochs', 'batchSize'] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1) problems.push(`${key} must be an integer ≥ 1; got ${settings[key]}`);
  }
  if (!Number.isFinite(settings.learningRate) || settings.learningRate <= 0) {
    problems.push(`learningRate must be a finite number > 0; got ${settings.learningRate}`);
  }
  if (!Number.isFinite(settings.weightDecay) || settings.weightDecay < 0) {
    problems.push(`weightDecay must be a finite number ≥ 0; got ${settings.weightDecay}`);
  }
  if (!Number.isInteger(settings.seed)) problems.push(`seed must be an integer; got ${settings.seed}`);
  if (problems.length > 0) throw new CsiError(`${LABEL}: invalid options: ${problems.join('; ')}`);
  return settings;
}

function fitLinear(train: FeatureBank, settings: AdamSettings): LinearState {
  const shape = describeTrainingBank(LABEL, train);
  const { features, labels, numClasses } = requireClassLabels(train);
  const featureSize = assertFeatures('train', features, shape);
  assertTrainLabels(labels, numClasses, shape.numImages);

  const { numShifts, numImages } = shape;
  // Row y·M + m of the flattened features is f(T_y x_m), so its target is y·C + c_m.
  const targets = new Int32Array(numShifts * numImages);
  for (let shift = 0; shift < numShifts; shift++) {
    for (let image = 0; image < numImages; image++) {
      targets[shift * numImages + image] = shift * numClasses + labels[image]!;
    }
  }

  const rows = tf.reshape(features, [numShifts * numImages, featureSize]) as Tensor2D;
  try {
    const model = trainSoftmaxRegression(rows, targets, numShifts * numClasses, settings);
    return { model, shape, featureSize, numClasses };
  } finally {
    rows.dispose();
  }
}

/**
 * Returns (1/K) Σ_y joint_logit(T_y x_m)[y·C .. y·C + C) for every test image, [M_test, C].
 * Call inside a tidy.
 */
function computeMarginalLogits(state: LinearState, features: Tensor3D): Tensor2D {
  const { numClasses } = state;
  const [numShifts, numImages, featureSize] = features.shape;
  const blocks: Tensor2D[] = [];
  for (let shift = 0; shift < numShifts; shift++) {
    const shifted = tf.reshape<tf.Rank.R2>(tf.slice(features, [shift, 0, 0], [1, numImages, featureSize]), [
      numImages,
      featureSize,
    ]);
    const jointLogits = computeLogits(state.model, shifted);
    blocks.push(tf.slice(jointLogits, [0, shift * numClasses], [numImages, numClasses]));
  }
  return tf.div<Tensor2D>(tf.addN(blocks), numShifts);
}

function requireClassLabels(train: FeatureBank): { features: Tensor3D; labels: Int32Array; numClasses: number } {
  const { features, labels, numClasses } = train;
  if (features === undefined || labels === undefined || numClasses === undefined) {
    const missing = [
      features === undefined ? 'features' : undefined,
      labels === undefined ? 'labels' : undefined,
      numClasses === undefined ? 'numClasses' : undefined,
    ].filter((name) => name !== undefined);
    throw new CsiError(
      `${LABEL}: the training feature bank has no ${missing.join(', ')}. This score trains a classifier on ` +
        'f(x) and class labels; run it under the labelled-multi-class protocol, which fills them.',
    );
  }
  return { features, labels, numClasses };
}

/** Checks features [K, M, D] float32 against the projections' K and M, and returns D. */
function assertFeatures(bankName: string, features: Tensor3D, shape: BankShape): number {
  assertShape(LABEL, `${bankName}.features`, features, [shape.numShifts, shape.numImages, null], ['K', 'M', 'D']);
  if (features.dtype !== 'float32') {
    throw new ShapeError(`${LABEL}: ${bankName}.features must be float32; got dtype ${features.dtype}`);
  }
  const featureSize = features.shape[2];
  if (featureSize < 1) {
    throw new ShapeError(`${LABEL}: ${bankName}.features must have D ≥ 1; got [${features.shape.join(', ')}]`);
  }
  return featureSize;
}

function assertTrainLabels(labels: Int32Array, numClasses: number, numImages: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new DataError(`${LABEL}: train.numClasses must be an integer ≥ 1; got ${numClasses}`);
  }
  if (labels.length !== numImages) {
    throw new ShapeError(
      `${LABEL}: train.labels must have one class index per image, M = ${numImages}; got ${labels.length}`,
    );
  }
  const bad = labels.findIndex((label) => label < 0 || label >= numClasses);
  if (bad >= 0) {
    throw new DataError(
      `${LABEL}: train.labels[${bad}] is ${labels[bad]}, outside [0, ${numClasses}). Training images ` +
        'must all belong to one of the numClasses in-distribution classes.',
    );
  }
}

/** Checks the test bank against the fitted one and returns its features [K, M_test, D]. */
function readTestFeatures(state: LinearState, test: FeatureBank): Tensor3D {
  const shape = describeFeatureBank(LABEL, 'test', test);
  assertSameShiftsAndSize(LABEL, state.shape, shape);
  if (test.features === undefined) {
    throw new CsiError(
      `${LABEL}: the test feature bank has no features. This score classifies f(x); run it under the ` +
        'labelled-multi-class protocol, which fills them.',
    );
  }
  const featureSize = assertFeatures('test', test.features, shape);
  if (featureSize !== state.featureSize) {
    throw new ShapeError(
      `${LABEL}: test.features must have the D of the training features, ${state.featureSize}; got ${featureSize}. ` +
        'Extract both banks with the same network.',
    );
  }
  return test.features;
}

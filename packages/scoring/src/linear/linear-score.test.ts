import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { CsiError, DataError, RandomSource, ShapeError, type FeatureBank } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAccuracy } from '../metric/classification.js';
import { createLinearScore, linearScore, type LinearScoreOptions } from './linear-score.js';
import { disposeSoftmaxRegression, trainSoftmaxRegression } from './softmax-regression.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Creates a bank of K shifts of M images with the given features. Its projections and shift
 * logits are zeros of the right shape, because the linear score reads only the features.
 */
function makeBank(features: number[][][], labels?: number[], numClasses?: number): FeatureBank {
  const numShifts = features.length;
  const numImages = features[0]!.length;
  return {
    projections: tf.zeros([numShifts, numImages, 1]) as tf.Tensor3D,
    shiftLogits: tf.zeros([numShifts, numImages, numShifts]) as tf.Tensor3D,
    features: tf.tensor3d(features, [numShifts, numImages, features[0]![0]!.length]),
    labels: labels === undefined ? undefined : Int32Array.from(labels),
    numClasses,
  };
}

function disposeBank(bank: FeatureBank): void {
  tf.dispose([bank.projections, bank.shiftLogits, ...(bank.features ? [bank.features] : [])]);
}

/** Draws `perClass` points around each centre with per-coordinate standard deviation `spread`. */
function drawClusters(
  random: RandomSource,
  centres: number[][],
  perClass: number,
  spread: number,
): { points: number[][]; labels: number[] } {
  const points: number[][] = [];
  const labels: number[] = [];
  for (let index = 0; index < perClass; index++) {
    centres.forEach((centre, classIndex) => {
      points.push(centre.map((value) => value + spread * random.normal()));
      labels.push(classIndex);
    });
  }
  return { points, labels };
}

function readRows(values: Float32Array, numColumns: number): number[][] {
  return Array.from({ length: values.length / numColumns }, (_, row) =>
    Array.from(values.subarray(row * numColumns, (row + 1) * numColumns)),
  );
}

// K = 1, C = 3 well separated Gaussian clusters in D = 4.
const CLUSTER_CENTRES = [
  [3, 0, 0, 0],
  [0, 3, 0, 0],
  [0, 0, 3, 1],
];

describe('linear score with one shift', () => {
  let train: FeatureBank;
  let test: FeatureBank;
  let testLabels: Int32Array;

  beforeAll(() => {
    const random = RandomSource.fromSeed(7);
    const trainPoints = drawClusters(random, CLUSTER_CENTRES, 20, 0.5);
    const testPoints = drawClusters(random, CLUSTER_CENTRES, 10, 0.5);
    train = makeBank([trainPoints.points], trainPoints.labels, 3);
    test = makeBank([testPoints.points]);
    testLabels = Int32Array.from(testPoints.labels);
  });

  afterAll(() => {
    disposeBank(train);
    disposeBank(test);
  });

  it('classifies held-out points of separable clusters', () => {
    const score = createLinearScore({ epochs: 20, batchSize: 16 });
    score.fit(train);
    const probabilities = score.classProbabilities(test);
    score.dispose();

    expect(probabilities).toBeInstanceOf(Float32Array);
    expect(probabilities.length).toBe(30 * 3);
    expect(computeAccuracy(probabilities, 3, testLabels)).toBe(1);
  });

  it('returns rows that sum to 1 and scores that are their maximum', () => {
    const score = createLinearScore({ epochs: 5, batchSize: 16 });
    score.fit(train);
    const probabilities = score.classProbabilities(test);
    const scores = score.score(test);
    score.dispose();

    expect(scores).toBeInstanceOf(Float32Array);
    expect(scores.length).toBe(30);
    readRows(probabilities, 3).forEach((row, image) => {
      expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 5);
      expect(scores[image]).toBe(Math.max(...row));
    });
  });

  it('fits features far from unit scale', () => {
    // Standardisation makes the fit independent of an affine rescaling of each dimension.
    const scaled = (bank: FeatureBank, labels?: Int32Array, numClasses?: number): FeatureBank => ({
      ...bank,
      features: tf.tidy(() => tf.add<tf.Tensor3D>(tf.mul<tf.Tensor3D>(bank.features!, 1000), 5000)),
      labels,
      numClasses,
    });
    const scaledTrain = scaled(train, train.labels, 3);
    const scaledTest = scaled(test);
    const score = createLinearScore({ epochs: 20, batchSize: 16 });
    score.fit(scaledTrain);
    const probabilities = score.classProbabilities(scaledTest);
    score.dispose();
    tf.dispose([scaledTrain.features!, scaledTest.features!]);

    expect(computeAccuracy(probabilities, 3, testLabels)).toBe(1);
  });

  it('gives identical outputs for the same seed', () => {
    const run = (seed: number): Float32Array => {
      const score = createLinearScore({ epochs: 3, batchSize: 4, seed });
      score.fit(train);
      const probabilities = score.classProbabilities(test);
      score.dispose();
      return probabilities;
    };

    const first = run(3);
    expect(Array.from(run(3))).toEqual(Array.from(first));
    // Batches of 4 rows in another order take other steps, so another seed changes the weights.
    expect(Array.from(run(4))).not.toEqual(Array.from(first));
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const score = createLinearScore({ epochs: 2, batchSize: 16 });
    score.fit(train);
    score.fit(train);
    score.classProbabilities(test);
    score.score(test);
    score.dispose();

    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects scoring after dispose', () => {
    const score = createLinearScore({ epochs: 1 });
    score.fit(train);
    score.dispose();

    expect(() => score.score(test)).toThrow(CsiError);
    expect(() => score.score(test)).toThrow('score "linear": score() was called before fit() or after dispose()');
    expect(() => score.classProbabilities(test)).toThrow('classProbabilities() was called before fit()');
  });
});

describe('linear score with two shifts', () => {
  // K = 2, C = 3, D = 3. Under shift 0 the classes sit at angles 0°, 120° and 240° in the first
  // two dimensions and the third is +2; under shift 1 the class geometry is turned by 180° and
  // the third dimension is −2. A classifier that ignored the shift would confuse classes, but
  // each (shift, class) pair is its own cluster, so the joint classifier separates them.
  const centresOf = (shift: number): number[][] =>
    [0, 120, 240].map((degrees) => {
      const angle = ((degrees + 180 * shift) * Math.PI) / 180;
      return [3 * Math.cos(angle), 3 * Math.sin(angle), shift === 0 ? 2 : -2];
    });

  /** Draws images of classes 0, 1, 2, 0, 1, 2, ... and places each under both shifts with one noise draw. */
  function drawShiftedBank(random: RandomSource, perClass: number, withLabels: boolean): FeatureBank {
    const offsets: number[][] = [];
    const labels: number[] = [];
    for (let index = 0; index < perClass; index++) {
      for (let classIndex = 0; classIndex < 3; classIndex++) {
        offsets.push([0, 0, 0].map(() => 0.3 * random.normal()));
        labels.push(classIndex);
      }
    }
    const features = [0, 1].map((shift) =>
      labels.map((classIndex, image) => centresOf(shift)[classIndex]!.map((value, d) => value + offsets[image]![d]!)),
    );
    return withLabels ? makeBank(features, labels, 3) : makeBank(features);
  }

  it('classifies held-out points with joint labels', () => {
    const random = RandomSource.fromSeed(11);
    const train = drawShiftedBank(random, 20, true);
    const test = drawShiftedBank(random, 10, false);
    const testLabels = Int32Array.from({ length: 30 }, (_, image) => image % 3);

    const score = createLinearScore({ epochs: 30, batchSize: 32 });
    score.fit(train);
    const probabilities = score.classProbabilities(test);
    score.dispose();
    disposeBank(train);
    disposeBank(test);

    expect(probabilities.length).toBe(30 * 3);
    expect(computeAccuracy(probabilities, 3, testLabels)).toBe(1);
  });

  it('marginalises the joint logits over shifts', () => {
    // Four training images of classes 0, 1, 2, 0 under K = 2 shifts. When one batch contains every
    // row, the row order changes the steps only by float rounding. So a regression trained here on
    // the rows with the joint labels written out by hand must give the score's weights.
    const trainFeatures = [
      [
        [1, 0.5, 2],
        [-1, 2, 1],
        [0.5, -2, 0],
        [2, 1, -1],
      ],
      [
        [0, 1, -2],
        [1, -1, 0.5],
        [-2, 0, 1],
        [1, 1, 1],
      ],
    ];
    const labels = [0, 1, 2, 0];
    // Row y·M + m has target y·C + c_m: shift 0 → 0, 1, 2, 0; shift 1 → 3, 4, 5, 3.
    const jointTargets = Int32Array.from([0, 1, 2, 0, 3, 4, 5, 3]);
    const testFeatures = [
      [
        [0.5, 0.5, 0.5],
        [-1, 1, 2],
      ],
      [
        [1, -1, 0],
        [2, 0.5, -1],
      ],
    ];
    const options: LinearScoreOptions = { epochs: 40, batchSize: 8, learningRate: 0.05, weightDecay: 0.01, seed: 5 };
    const train = makeBank(trainFeatures, labels, 3);
    const test = makeBank(testFeatures);

    const score = createLinearScore(options);
    score.fit(train);
    const probabilities = score.classProbabilities(test);
    score.dispose();

    const rows = tf.tensor2d(trainFeatures.flat());
    const reference = trainSoftmaxRegression(rows, jointTargets, 6, options);
    const mean = reference.mean.arraySync();
    const scale = reference.scale.arraySync();
    const weights = reference.weights.arraySync();
    const bias = reference.bias.arraySync();
    disposeSoftmaxRegression(reference);
    tf.dispose(rows);
    disposeBank(train);
    disposeBank(test);

    // joint logit j of x = Σ_d (x_d − mean_d) / scale_d · W[d][j] + b[j];
    // logit_c = ½ (joint(T_0 x)[c] + joint(T_1 x)[3 + c]); then a softmax over c.
    const jointLogit = (x: number[], j: number): number =>
      x.reduce((sum, value, d) => sum + ((value - mean[d]!) / scale[d]!) * weights[d]![j]!, bias[j]!);
    const expected = [0, 1].flatMap((image) => {
      const logits = [0, 1, 2].map(
        (c) => (jointLogit(testFeatures[0]![image]!, c) + jointLogit(testFeatures[1]![image]!, 3 + c)) / 2,
      );
      const total = logits.reduce((sum, logit) => sum + Math.exp(logit), 0);
      return logits.map((logit) => Math.exp(logit) / total);
    });

    expect(probabilities.length).toBe(6);
    // The weights must have moved, or the comparison would hold for any labelling.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
    expected.forEach((value, index) => expect(probabilities[index]).toBeCloseTo(value, 5));
  });
});

describe('linear score errors', () => {
  const features = [
    [
      [1, 0],
      [0, 1],
    ],
  ];

  it('rejects a training bank without class labels', () => {
    const bank = makeBank(features);
    const score = createLinearScore();
    const call = (): void => score.fit(bank);

    expect(call).toThrow(CsiError);
    expect(call).toThrow('score "linear": the training feature bank has no labels, numClasses');
    expect(call).toThrow('labelled-multi-class protocol');
    disposeBank(bank);
  });

  it('rejects a training bank without features', () => {
    const bank = makeBank(features, [0, 1], 2);
    bank.features!.dispose();
    delete bank.features;
    const call = (): void => createLinearScore().fit(bank);

    expect(call).toThrow('the training feature bank has no features');
    expect(call).toThrow('labelled-multi-class protocol');
    disposeBank(bank);
  });

  it('rejects features whose M differs from the projections', () => {
    const bank = makeBank(features, [0, 1], 2);
    bank.features!.dispose();
    bank.features = tf.zeros([1, 3, 2]) as tf.Tensor3D;
    const call = (): void => createLinearScore().fit(bank);

    expect(call).toThrow(ShapeError);
    expect(call).toThrow('score "linear": train.features must be [K, M, D] = [1, 2, D]; got [1, 3, 2]');
    disposeBank(bank);
  });

  it('rejects labels of the wrong length', () => {
    const bank = makeBank(features, [0, 1, 1], 2);
    const call = (): void => createLinearScore().fit(bank);

    expect(call).toThrow(ShapeError);
    expect(call).toThrow('train.labels must have one class index per image, M = 2; got 3');
    disposeBank(bank);
  });

  it('rejects a label outside [0, C)', () => {
    const bank = makeBank(features, [0, 2], 2);
    const call = (): void => createLinearScore().fit(bank);

    expect(call).toThrow(DataError);
    expect(call).toThrow('train.labels[1] is 2, outside [0, 2)');
    disposeBank(bank);
  });

  it('rejects a numClasses below 1', () => {
    const bank = makeBank(features, [0, 0], 0);
    const call = (): void => createLinearScore().fit(bank);

    expect(call).toThrow('train.numClasses must be an integer ≥ 1; got 0');
    disposeBank(bank);
  });

  it('rejects a test bank without features or with another D', () => {
    const train = makeBank(features, [0, 1], 2);
    const withoutFeatures = makeBank(features);
    withoutFeatures.features!.dispose();
    delete withoutFeatures.features;
    const otherSize = makeBank([[[1, 0, 0]]]);
    const score = createLinearScore({ epochs: 1 });
    score.fit(train);

    expect(() => score.score(withoutFeatures)).toThrow('the test feature bank has no features');
    expect(() => score.score(otherSize)).toThrow(ShapeError);
    expect(() => score.score(otherSize)).toThrow('test.features must have the D of the training features, 2; got 3');
    score.dispose();
    [train, withoutFeatures, otherSize].forEach(disposeBank);
  });

  it('rejects invalid options when created directly', () => {
    const call = (): unknown => createLinearScore({ epochs: 0, learningRate: -1 });

    expect(call).toThrow(CsiError);
    expect(call).toThrow('score "linear": invalid options: epochs must be an integer ≥ 1; got 0');
    expect(call).toThrow('learningRate must be a finite number > 0; got -1');
  });
});

describe('linearScore descriptor', () => {
  it('declares the options with their defaults', () => {
    const schema = linearScore.optionsSchema as {
      type: string;
      additionalProperties: boolean;
      properties: Record<string, { default: unknown }>;
    };

    expect(linearScore.kind).toBe('score');
    expect(linearScore.name).toBe('linear');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, value.default]))).toEqual({
      epochs: 50,
      batchSize: 512,
      learningRate: 0.01,
      weightDecay: 0,
      seed: 0,
    });
  });

  it('creates a score that needs class labels', () => {
    const score = linearScore.create({ epochs: 1, batchSize: 512, learningRate: 0.01, weightDecay: 0, seed: 0 }, undefined as never);

    expect(linearScore.classLabels).toBe('needed');
    expect(typeof score.classProbabilities).toBe('function');
  });
});

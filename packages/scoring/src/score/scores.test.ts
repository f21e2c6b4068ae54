import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { CsiError, DataError, RunError, ShapeError, type FeatureBank } from '@csi/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancingWeights } from '../balancing.js';
import { scoreClsSi } from './cls-si.js';
import { createConScore, scoreCon } from './con.js';
import { createConSiScore, scoreConSi } from './con-si.js';
import { scoreCosine } from './cosine.js';
import { createCsiScore, scoreCsi } from './csi.js';
import { scoreNorm } from './norm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function makeBank(projections: number[][][], shiftLogits: number[][][]): FeatureBank {
  return { projections: tf.tensor3d(projections), shiftLogits: tf.tensor3d(shiftLogits) };
}

function disposeBank(bank: FeatureBank): void {
  tf.dispose([bank.projections, bank.shiftLogits]);
}

// K = 2 shifts, M = 2 training images, P = 2.
//   shift 0: z = (3, 0), (0, 2)   norms 3, 2    mean 2.5  → λ_con_0 = 0.4
//   shift 1: z = (1, 1), (−1, 1)  norms √2, √2  mean √2   → λ_con_1 = 1/√2
//   true-shift logits l_0 = 2, 4 (mean 3 → λ_cls_0 = 1/3), l_1 = 1, 3 (mean 2 → λ_cls_1 = 1/2)
const TRAIN_PROJECTIONS = [
  [
    [3, 0],
    [0, 2],
  ],
  [
    [1, 1],
    [-1, 1],
  ],
];
const TRAIN_LOGITS = [
  [
    [2, 0],
    [4, 1],
  ],
  [
    [0, 1],
    [0, 3],
  ],
];

// Two test images.
//   shift 0: t1 = (1, 1): norm √2, max cos 1/√2 (with either) → s_con = 1
//            t2 = (0, −5): norm 5, cos 0 with (3, 0), −1 with (0, 2) → max 0 → s_con = 0
//   shift 1: t1 = (2, 0): norm 2, cos ±1/√2 → max 1/√2 → term √2
//            t2 = (−3, 3): norm 3√2, cos 1 with (−1, 1) → term 3√2
//   true-shift logits: shift 0 rows (1, 0), (0.5, 2) → 1, 0.5; shift 1 rows (0, 4), (1, −2) → 4, −2
const TEST_PROJECTIONS = [
  [
    [1, 1],
    [0, -5],
  ],
  [
    [2, 0],
    [-3, 3],
  ],
];
const TEST_LOGITS = [
  [
    [1, 0],
    [0.5, 2],
  ],
  [
    [0, 4],
    [1, -2],
  ],
];

describe('detection scores on a hand-made bank', () => {
  let train: FeatureBank;
  let test: FeatureBank;

  beforeAll(() => {
    train = makeBank(TRAIN_PROJECTIONS, TRAIN_LOGITS);
    test = makeBank(TEST_PROJECTIONS, TEST_LOGITS);
  });

  afterAll(() => {
    disposeBank(train);
    disposeBank(test);
  });

  function expectScores(actual: Float32Array, expected: number[]): void {
    expect(actual).toBeInstanceOf(Float32Array);
    expect(actual.length).toBe(expected.length);
    expected.forEach((value, image) => expect(actual[image]).toBeCloseTo(value, 5));
  }

  it('balancing weights follow the formula', () => {
    const weights = balancingWeights(train);

    expect(weights.conSi[0]).toBeCloseTo(0.4, 6);
    expect(weights.conSi[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(weights.clsSi[0]).toBeCloseTo(1 / 3, 6);
    expect(weights.clsSi[1]).toBeCloseTo(1 / 2, 6);
  });

  it('con uses shift 0 only', () => {
    expectScores(scoreCon(train, test), [1, 0]);
  });

  it('con-si compares each shift with the same shift', () => {
    // 0.4 · (1, 0) + (1/√2) · (√2, 3√2) = (1.4, 3). Comparing shift 1 of the test images with
    // all training projections would give t1 cosine 1 with (3, 0), so 0.4 + √2 for image 1.
    expectScores(scoreConSi(train, test), [1.4, 3]);
  });

  it('cls-si sums balanced true-shift logits', () => {
    // (1/3) · (1, 0.5) + (1/2) · (4, −2) = (7/3, −5/6).
    expectScores(scoreClsSi(train, test), [7 / 3, -5 / 6]);
  });

  it('csi adds con-si and cls-si', () => {
    expectScores(scoreCsi(train, test), [1.4 + 7 / 3, 3 - 5 / 6]);
  });

  it('norm and cosine use shift 0 only', () => {
    expectScores(scoreNorm(train, test), [Math.SQRT2, 5]);
    expectScores(scoreCosine(train, test), [Math.SQRT1_2, 0]);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    scoreCon(train, test);
    scoreConSi(train, test);
    scoreClsSi(train, test);
    scoreCsi(train, test);
    scoreNorm(train, test);
    scoreCosine(train, test);
    balancingWeights(train);

    expect(tf.memory().numTensors).toBe(before);
  });

  it('fit keeps tensors until dispose', () => {
    const before = tf.memory().numTensors;
    const score = createConSiScore();
    score.fit(train);
    const kept = tf.memory().numTensors - before;

    // One unit-norm [M, P] tensor per shift.
    expect(kept).toBe(2);
    score.fit(train);
    expect(tf.memory().numTensors).toBe(before + kept);
    score.score(test);
    expect(tf.memory().numTensors).toBe(before + kept);
    score.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects score before fit and after dispose', () => {
    const score = createConScore();

    expect(() => score.score(test)).toThrow(CsiError);
    expect(() => score.score(test)).toThrow('score "con": score() was called before fit()');
    score.fit(train);
    score.dispose();
    expect(() => score.score(test)).toThrow('before fit()');
  });
});

describe('balancing on the training data itself', () => {
  /** Builds a bank with K = 3, M = 5, P = 4 of fixed pseudo-random values and positive true logits. */
  function makeTrainingBank(): FeatureBank {
    let state = 12345;
    const next = (): number => {
      state = (state * 1664525 + 1013904223) % 4294967296;
      return state / 4294967296;
    };
    const projections = Array.from({ length: 3 }, () =>
      Array.from({ length: 5 }, () => Array.from({ length: 4 }, () => next() * 2 - 1)),
    );
    const logits = Array.from({ length: 3 }, (_, shift) =>
      Array.from({ length: 5 }, () => Array.from({ length: 3 }, (_, k) => (k === shift ? 1 + next() * 3 : next()))),
    );
    return makeBank(projections, logits);
  }

  it('makes each cls-si term average exactly 1', () => {
    const train = makeTrainingBank();
    const weights = balancingWeights(train);
    const logits = train.shiftLogits.arraySync() as number[][][];

    for (let shift = 0; shift < 3; shift++) {
      const mean = logits[shift]!.reduce((sum, row) => sum + weights.clsSi[shift]! * row[shift]!, 0) / 5;
      expect(mean).toBeCloseTo(1, 6);
    }
    const total = scoreClsSi(train, train).reduce((sum, value) => sum + value, 0) / 5;
    expect(total).toBeCloseTo(3, 5);
    disposeBank(train);
  });

  it('makes each con-si term average 1', () => {
    // Every training image is its own nearest neighbour (cosine 1), so term y of image m is
    // λ_con_y · ||z(T_y x_m)||, whose mean over m is 1 by the definition of λ_con_y.
    const train = makeTrainingBank();
    const weights = balancingWeights(train);
    const projections = train.projections.arraySync() as number[][][];

    for (let shift = 0; shift < 3; shift++) {
      const meanNorm = projections[shift]!.reduce((sum, z) => sum + Math.hypot(...z), 0) / 5;
      expect(weights.conSi[shift]).toBeCloseTo(1 / meanNorm, 6);
    }
    const total = scoreConSi(train, train).reduce((sum, value) => sum + value, 0) / 5;
    expect(total).toBeCloseTo(3, 5);
    disposeBank(train);
  });
});

describe('score errors', () => {
  it('rejects a test bank with another K', () => {
    const train = makeBank(TRAIN_PROJECTIONS, TRAIN_LOGITS);
    const test = makeBank([[[1, 0]]], [[[1]]]);

    expect(() => scoreCsi(train, test)).toThrow(ShapeError);
    expect(() => scoreCsi(train, test)).toThrow('score "csi": the test bank must have the K and P of the training bank');
    expect(() => scoreCsi(train, test)).toThrow('[2, ·, 2]; got [1, ·, 2]');
    disposeBank(train);
    disposeBank(test);
  });

  it('rejects shift logits of the wrong shape', () => {
    const train = makeBank(TRAIN_PROJECTIONS, [
      [[1], [1]],
      [[1], [1]],
    ]);

    expect(() => scoreCon(train, train)).toThrow('score "con": train.shiftLogits must be [K, M, K] = [2, 2, 2]; got [2, 2, 1]');
    disposeBank(train);
  });

  it('rejects an empty training bank', () => {
    const train: FeatureBank = { projections: tf.zeros([2, 0, 2]) as tf.Tensor3D, shiftLogits: tf.zeros([2, 0, 2]) as tf.Tensor3D };

    expect(() => scoreCon(train, train)).toThrow(DataError);
    expect(() => scoreCon(train, train)).toThrow('has no images (M = 0)');
    disposeBank(train);
  });

  it('balances a negative mean true-shift logit by its magnitude', () => {
    const logits = [
      [
        [2, 0],
        [4, 1],
      ],
      [
        [0, -1],
        [0, -3],
      ],
    ];
    const train = makeBank(TRAIN_PROJECTIONS, logits);
    const before = tf.memory().numTensors;

    // λ_cls_0 = 1 / |mean(2, 4)| = 1/3 and λ_cls_1 = 1 / |mean(-1, -3)| = 1/2, so image 0 scores
    // 2/3 − 1/2 = 1/6 and image 1 scores 4/3 − 3/2 = −1/6: the higher true logits still rank higher.
    expect(balancingWeights(train).clsSi[1]).toBeCloseTo(0.5, 6);
    const scores = scoreClsSi(train, train);
    expect(scores[0]).toBeCloseTo(1 / 6, 5);
    expect(scores[1]).toBeCloseTo(-1 / 6, 5);
    expect(tf.memory().numTensors).toBe(before);
    disposeBank(train);
  });

  it('rejects a zero mean true-shift logit', () => {
    const logits = [
      [
        [2, 0],
        [4, 1],
      ],
      [
        [0, 1],
        [0, -1],
      ],
    ];
    const train = makeBank(TRAIN_PROJECTIONS, logits);
    const before = tf.memory().numTensors;

    expect(() => scoreClsSi(train, train)).toThrow(RunError);
    expect(() => scoreClsSi(train, train)).toThrow('the mean shift-head logit of the true shift 1 on the training images is 0');
    expect(() => scoreCsi(train, train)).toThrow('use a score without this term (con-si)');
    expect(tf.memory().numTensors).toBe(before);
    // con-si does not use the shift head, so it still works.
    expect(scoreConSi(train, train).length).toBe(2);
    disposeBank(train);
  });

  it('rejects all-zero projections for con-si', () => {
    const train = makeBank(
      [
        [
          [1, 0],
          [0, 1],
        ],
        [
          [0, 0],
          [0, 0],
        ],
      ],
      TRAIN_LOGITS,
    );

    expect(() => scoreConSi(train, train)).toThrow('the mean projection norm of shift 1 on the training images is 0');
    expect(() => createCsiScore().fit(train)).toThrow(RunError);
    disposeBank(train);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {
  ComponentRegistry,
  DataError,
  SpecError,
  createSilentLogger,
  type ComponentContext,
  type DatasetSource,
  type ImageSet,
  type ShiftTransform,
  type Split,
} from '@csi/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { register } from './index.js';
import { OodNessProtocol, oodNessProtocol, type OodNessOptions } from './ood-ness.js';

const context: ComponentContext = { logger: createSilentLogger(), cacheDir: '/nonexistent' };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Builds a set of `side`×`side`×1 images from their rows of pixels. */
function makeSet(images: number[][][], labels: number[], classNames = ['a', 'b']): ImageSet {
  const side = images[0]!.length;
  return {
    images: Uint8Array.from(images.flat(2)),
    labels: Int32Array.from(labels),
    count: labels.length,
    height: side,
    width: images[0]![0]!.length,
    channels: 1,
    classNames,
  };
}

function makeSource(train: ImageSet, test: ImageSet): DatasetSource {
  const sets: Record<Split, ImageSet> = { train, test };
  return { classNames: train.classNames, imageShape: [train.height, train.width, 1], load: async (split) => sets[split] };
}

/** Reads image i of a set back as rows of pixels. */
function imageAt(set: ImageSet, index: number): number[][] {
  const size = set.height * set.width;
  const pixels = [...set.images.subarray(index * size, (index + 1) * size)];
  return Array.from({ length: set.height }, (_, row) => pixels.slice(row * set.width, (row + 1) * set.width));
}

function create(options: Partial<OodNessOptions> & { transform: string }): OodNessProtocol {
  return oodNessProtocol.create({ transformOptions: {}, normalClasses: [0], ...options } as OodNessOptions, context) as OodNessProtocol;
}

// Test images 1 and 2 are class 0 (normal); image 0 is class 1 and is left out.
const P = [
  [10, 20],
  [30, 40],
];
const Q = [
  [50, 60],
  [70, 80],
];
const OTHER = [
  [1, 2],
  [3, 4],
];
const source = makeSource(makeSet([P, OTHER, Q], [0, 1, 0]), makeSet([OTHER, P, Q], [1, 0, 0]));

describe('ood-ness protocol', () => {
  it('tests normal images against each rotation of them', async () => {
    const before = tf.memory().numTensors;
    const splits = await create({ transform: 'rotation' }).prepare(source);
    expect(tf.memory().numTensors).toBe(before);

    expect(splits.train.count).toBe(2);
    expect([...splits.train.labels]).toEqual([0, 0]);
    expect(splits.test.count).toBe(2 + 3 * 2);
    expect([...splits.testIsNormal]).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect([...splits.test.labels]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // Counter-clockwise quarter turns of [[a, b], [c, d]]: [[b, d], [a, c]], [[d, c], [b, a]], [[c, a], [d, b]].
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => imageAt(splits.test, i))).toEqual([
      P,
      Q,
      [
        [20, 40],
        [10, 30],
      ],
      [
        [60, 80],
        [50, 70],
      ],
      [
        [40, 30],
        [20, 10],
      ],
      [
        [80, 70],
        [60, 50],
      ],
      [
        [30, 10],
        [40, 20],
      ],
      [
        [70, 50],
        [80, 60],
      ],
    ]);
    expect(splits.description).toBe(
      'ood-ness of rotation (variants 1, 2, 3): normal = test images of 0 (a); anomalous = the same images transformed',
    );
  });

  it('applies only the chosen variants', async () => {
    const splits = await create({ transform: 'rotation', variants: [2] }).prepare(source);
    expect(splits.test.count).toBe(4);
    expect(imageAt(splits.test, 2)).toEqual([
      [40, 30],
      [20, 10],
    ]);
  });

  it('passes the transform options', async () => {
    const splits = await create({ transform: 'rotation', transformOptions: { quarterTurns: [0, 2] } }).prepare(source);
    expect(splits.test.count).toBe(4);
    expect(imageAt(splits.test, 3)).toEqual([
      [80, 70],
      [60, 50],
    ]);
  });

  it("fills the transform's defaults", async () => {
    // cutout's default size 0.5 blanks the centred 2×2 square of a 4×4 image.
    const white = Array.from({ length: 4 }, () => [200, 200, 200, 200]);
    const square = makeSource(makeSet([white], [0]), makeSet([white], [0]));
    const splits = await create({ transform: 'cutout' }).prepare(square);
    expect(imageAt(splits.test, 1)).toEqual([
      [200, 200, 200, 200],
      [200, 0, 0, 200],
      [200, 0, 0, 200],
      [200, 200, 200, 200],
    ]);
  });

  it('uses the normal classes for training and testing', async () => {
    const splits = await create({ transform: 'rotation', normalClasses: [1], variants: [1] }).prepare(source);
    expect([...splits.train.labels]).toEqual([1]);
    expect(splits.test.count).toBe(2);
    expect(imageAt(splits.test, 0)).toEqual(OTHER);
    expect(splits.description).toContain('normal = test images of 1 (b)');
  });

  it('rejects variants the transform lacks', () => {
    const call = () => create({ transform: 'cutout', variants: [1, 2, 5] });
    expect(call).toThrow(SpecError);
    expect(call).toThrow('protocol.options.variants: variants 2, 5 do not exist: cutout has K = 2 variants, and variant 0 is the identity. Choose among 1.');
  });

  it('rejects normal classes without test images', async () => {
    const trainOnly = makeSource(makeSet([P, OTHER], [0, 1]), makeSet([OTHER], [1]));
    const error = await create({ transform: 'rotation' })
      .prepare(trainOnly)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain('the test split has no images of the normal classes 0');
  });
});

describe('OodNessProtocol with a given transform', () => {
  const fake = (apply: ShiftTransform['apply']): ShiftTransform => ({ numShifts: 2, apply });

  it('clips to [0, 1] and rounds to bytes', async () => {
    // x ↦ 1.1x − 0.05 takes pixel p to 1.1p − 12.75 levels: 10 → −1.75, clipped to 0; 15 → 3.75,
    // rounded up to 4; 21 → 10.35, rounded down to 10; 250 → 262.25, clipped to 255.
    const transform = fake((images) => tf.tidy(() => tf.sub(tf.mul(images, 1.1), 0.05)));
    const row = makeSet([[[10, 15, 21, 250]]], [0]);
    const splits = await new OodNessProtocol('fake', transform, [1], [0]).prepare(makeSource(row, row));
    expect([...splits.test.images]).toEqual([10, 15, 21, 250, 0, 4, 10, 255]);
  });

  it('rejects a transform that changes the shape, without leaking tensors', async () => {
    const transform = fake((images) => tf.tidy(() => tf.concat([images, images], 1)));
    const before = tf.memory().numTensors;
    const error = await new OodNessProtocol('stretch', transform, [1], [0]).prepare(source).catch((caught: unknown) => caught);
    expect(tf.memory().numTensors).toBe(before);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      'ood-ness: transform stretch turned images of shape [2, 2, 2, 1] into [2, 4, 2, 1]; it must keep the shape (rotation needs square images)',
    );
  });
});

describe('register', () => {
  it('adds the ood-ness protocol', () => {
    const registry = new ComponentRegistry();
    register(registry.registrarFor('@csi/datasets'));
    expect(registry.get('protocol', 'ood-ness')?.descriptor).toBe(oodNessProtocol);
  });

  it('offers every shift transform of @csi/transforms', () => {
    const schema = oodNessProtocol.optionsSchema as { properties: { transform: { enum: string[] } } };
    expect([...schema.properties.transform.enum].sort()).toEqual([
      'blur',
      'color-perm',
      'cut-perm',
      'cutout',
      'horizontal-flip',
      'noise',
      'rotation',
      'sobel',
      'vertical-flip',
    ]);
  });
});

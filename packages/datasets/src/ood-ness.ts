import * as tf from '@tensorflow/tfjs-core';
import {
  DataError,
  SpecError,
  defineProtocol,
  type ComponentContext,
  type DatasetSource,
  type EvaluationProtocol,
  type EvaluationSplits,
  type ImageSet,
  type JsonSchema,
  type ShiftTransform,
} from '@csi/core';
import { SHIFT_TRANSFORMS } from '@csi/transforms';
import { toImageTensor } from './batching.js';
import { selectImages } from './image-set.js';
import { describeOneClass, OneClassProtocol } from './one-class.js';

// The protocol builds its transform from the descriptor itself, because a component receives
// no registry. So it offers the shift transforms of @csi/transforms (SHIFT_TRANSFORMS), not
// those of plugins.

/** Images per tensor while transforming the test images, to bound memory. */
const TRANSFORM_BATCH_SIZE = 256;

export interface OodNessOptions {
  /** Name of a shift transform of @csi/transforms, e.g. `rotation`. */
  transform: string;
  /** Options of that transform; its own defaults fill what is left out. */
  transformOptions: Record<string, unknown>;
  /** Variants y ≥ 1 of the transform that make the anomalous images; all of them when left out. */
  variants?: number[];
  /** Classes whose images are the normal data, in training and in the test split. */
  normalClasses: number[];
}

/**
 * The OOD-ness of a transform T: how well a detector separates T(x) from x. Training uses the train
 * images of the normal classes, as one-class does. The test split holds the test images x of the
 * normal classes (normal) and, for each chosen variant y, T_y(x) (anomalous). The AUROC of a
 * run is then the OOD-ness of T under the trained model: the CSI paper measures it with a
 * SimCLR model and its score s_con.
 *
 * NOTE: T(x) is stored as bytes like every ImageSet, rounded to the nearest of 256 levels. Noise
 * and blur below half a level are lost, so their OOD-ness can come out lower than on floats.
 */
export class OodNessProtocol implements EvaluationProtocol {
  constructor(
    private readonly transformName: string,
    private readonly transform: ShiftTransform,
    private readonly variants: readonly number[],
    private readonly normalClasses: readonly number[],
  ) {}

  async prepare(dataset: DatasetSource): Promise<EvaluationSplits> {
    const oneClass = await new OneClassProtocol({ normalClasses: [...this.normalClasses] }).prepare(dataset);
    const normalIndices: number[] = [];
    oneClass.testIsNormal.forEach((isNormal, index) => {
      if (isNormal === 1) normalIndices.push(index);
    });
    if (normalIndices.length === 0) {
      throw new DataError(
        `ood-ness: the test split has no images of the normal classes ${this.normalClasses.join(', ')}, so there is nothing to transform. ` +
          'Choose normalClasses with test images.',
      );
    }

    const normal = selectImages(oneClass.test, normalIndices);
    const transformed = this.variants.map((variant) => transformImages(normal, this.transform, variant, this.transformName));
    const test = concatenateImageSets([normal, ...transformed]);
    const testIsNormal = new Uint8Array(test.count);
    testIsNormal.fill(1, 0, normal.count);

    const normalText = describeOneClass(this.normalClasses, dataset.classNames).replace(/^one-class: normal = /, '');
    const description =
      `ood-ness of ${this.transformName} (variants ${this.variants.join(', ')}): ` +
      `normal = test images of ${normalText}; anomalous = the same images transformed`;
    return { train: oneClass.train, test, testIsNormal, description };
  }
}

/**
 * Applies variant `variant` of `transform` to every image of `set`, in batches. Returns a new set
 * with the same labels, its pixels clipped to [0, 1] and rounded to bytes. Throws DataError when
 * the transform changes the image shape (rotation of non-square images, say).
 */
function transformImages(set: ImageSet, transform: ShiftTransform, variant: number, name: string): ImageSet {
  const imageSize = set.height * set.width * set.channels;
  const images = new Uint8Array(set.count * imageSize);
  for (let start = 0; start < set.count; start += TRANSFORM_BATCH_SIZE) {
    const indices = Array.from({ length: Math.min(TRANSFORM_BATCH_SIZE, set.count - start) }, (_, i) => start + i);
    const batch = toImageTensor(set, indices);
    try {
      const bytes = tf.tidy(() => {
        const output = transform.apply(batch, variant);
        if (output.shape.join('x') !== batch.shape.join('x')) {
          throw new DataError(
            `ood-ness: transform ${name} turned images of shape [${batch.shape.join(', ')}] into [${output.shape.join(', ')}]; ` +
              'it must keep the shape (rotation needs square images)',
          );
        }
        return tf.cast(tf.round(tf.mul(tf.clipByValue(output, 0, 1), 255)), 'int32');
      });
      images.set(bytes.dataSync(), start * imageSize);
      bytes.dispose();
    } finally {
      batch.dispose();
    }
  }
  return { ...set, images, labels: Int32Array.from(set.labels) };
}

function concatenateImageSets(sets: readonly ImageSet[]): ImageSet {
  const first = sets[0]!;
  const count = sets.reduce((total, set) => total + set.count, 0);
  const imageSize = first.height * first.width * first.channels;
  const images = new Uint8Array(count * imageSize);
  const labels = new Int32Array(count);
  let offset = 0;
  for (const set of sets) {
    images.set(set.images.subarray(0, set.count * imageSize), offset * imageSize);
    labels.set(set.labels.subarray(0, set.count), offset);
    offset += set.count;
  }
  return { ...first, images, labels, count };
}

/**
 * Fills the top-level defaults of an options schema. The spec validator checks and fills
 * `transformOptions` only when the spec writes it: its schema depends on `transform` through
 * `if`/`then`, which ajv evaluates before it adds property defaults.
 */
function fillDefaults(schema: JsonSchema, options: Record<string, unknown>): Record<string, unknown> {
  const filled = { ...options };
  const properties = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
  for (const [key, property] of Object.entries(properties)) {
    if (filled[key] === undefined && property.default !== undefined) filled[key] = structuredClone(property.default);
  }
  return filled;
}

function createOodNessProtocol(options: OodNessOptions, context: ComponentContext): OodNessProtocol {
  const descriptor = SHIFT_TRANSFORMS.find((candidate) => candidate.name === options.transform);
  if (!descriptor) {
    // The schema's enum rejects other names; this guards callers that skip validation.
    throw new SpecError([
      { path: 'protocol.options.transform', message: `unknown shift transform "${options.transform}". Known: ${SHIFT_TRANSFORMS.map((d) => d.name).join(', ')}` },
    ]);
  }
  const transformOptions = fillDefaults(descriptor.optionsSchema, options.transformOptions ?? {});
  const transform = (descriptor.create as (o: Record<string, unknown>, c: ComponentContext) => ShiftTransform)(transformOptions, context);
  const allVariants = Array.from({ length: transform.numShifts - 1 }, (_, i) => i + 1);
  const variants = options.variants ?? allVariants;
  const outside = variants.filter((variant) => variant >= transform.numShifts);
  if (outside.length > 0) {
    throw new SpecError([
      {
        // NOTE: like one-class, this path assumes the runner's layout `protocol: { name, options }`.
        path: 'protocol.options.variants',
        message:
          `variants ${outside.join(', ')} do not exist: ${options.transform} has K = ${transform.numShifts} variants, ` +
          `and variant 0 is the identity. Choose among ${allVariants.join(', ')}.`,
      },
    ]);
  }
  return new OodNessProtocol(options.transform, transform, variants, options.normalClasses);
}

export const oodNessProtocol = defineProtocol<OodNessOptions>({
  name: 'ood-ness',
  summary: 'Tests normal test images x against transformed copies T(x): the AUROC is the OOD-ness of the shift transform T.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['transform'],
    properties: {
      transform: {
        enum: SHIFT_TRANSFORMS.map((descriptor) => descriptor.name),
        description: 'Shift transform T whose non-identity variants make the anomalous test images.',
      },
      transformOptions: { type: 'object', default: {}, description: "Options of the transform, as under train.shift; the transform's defaults fill the rest." },
      variants: {
        type: 'array',
        items: { type: 'integer', minimum: 1 },
        minItems: 1,
        uniqueItems: true,
        description: 'Variants y ≥ 1 of T to apply, each giving one transformed copy of the normal test images; all of them when left out.',
      },
      normalClasses: {
        type: 'array',
        items: { type: 'integer', minimum: 0 },
        minItems: 1,
        uniqueItems: true,
        default: [0],
        description: 'Classes whose train images are trained on and whose test images are the normal ones.',
      },
    },
    allOf: SHIFT_TRANSFORMS.map((descriptor) => ({
      if: { properties: { transform: { const: descriptor.name } }, required: ['transform'] },
      then: { properties: { transformOptions: structuredClone(descriptor.optionsSchema) } },
    })),
  },
  create: createOodNessProtocol,
});

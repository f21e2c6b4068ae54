import { BACKEND_CHOICES, type ComponentRegistry, type JsonSchema, type RegistryEntry } from '@csi/core';
import { SWEEP_SCHEMA } from '../sweep/settings.js';
import { COMPONENT_SLOTS, type ComponentSlot } from './slots.js';

/** The JSON Schema dialect of the spec schema; ajv's default and what yaml-language-server reads. */
export const SPEC_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/**
 * Builds the JSON Schema of an experiment spec from the registry: the spec's own keys with
 * their defaults, and for each component slot the registered names and, per name, that
 * component's `optionsSchema` (`if name is X then options must match X's schema`).
 *
 * A component may be written as a bare name or as `{ name, options }`; the schema accepts both,
 * so editors can check specs as written. Validation runs on the normalised form, where every
 * component is an object with `options` present, so the options branch always applies.
 */
export function buildSpecSchema(registry: ComponentRegistry): JsonSchema {
  const slot = (path: string): JsonSchema => {
    const found = COMPONENT_SLOTS.find((candidate) => candidate.path.join('.') === path);
    if (!found) throw new Error(`no component slot at ${path}`);
    return slotSchema(found, registry.list(found.kind));
  };

  // Defaults follow the authors' PyTorch code. The optimiser is LARS with momentum 0.9, weight
  // decay 1e-6 and trust coefficient 0.001, at base learning rate 0.1 warmed up over 10 epochs
  // to 10× base. A batch has 32 images. Rotation is the shift, and flip, colour jitter, grayscale
  // and crop are the soft augmentations. The loss is L_con-SI + 1 · L_cls-SI, the score s_CSI,
  // the projection size 128 and the ensemble crop scale 0.54.
  return {
    $schema: SPEC_SCHEMA_DIALECT,
    title: 'CSI experiment spec',
    description: 'One experiment of the csi command line: data, protocol, model, training and evaluation.',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'data', 'train'],
    properties: {
      extends: {
        description: 'Spec files (relative to this one) whose keys this spec starts from; maps merge, lists replace.',
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
        ],
      },
      name: {
        description: 'Names the run folder <outputDir>/<name>/<timestamp>/.',
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      },
      seed: {
        description: 'Seeds weight initialisation, data order and augmentations.',
        type: 'integer',
        minimum: 0,
        maximum: 2147483647,
        default: 0,
      },
      backend: { description: 'Tensor backend; auto tries the fastest installed one.', enum: [...BACKEND_CHOICES], default: 'auto' },
      plugins: {
        description: 'Packages or paths (relative to this spec) whose register function adds components; loaded in order.',
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
      },
      outputDir: { description: 'Parent folder of run folders, relative to the working directory.', type: 'string', minLength: 1, default: 'runs' },
      data: {
        type: 'object',
        additionalProperties: false,
        required: ['dataset'],
        properties: {
          dataset: slot('data.dataset'),
          maxTrainImages: {
            description: "Use at most this many training images after the protocol's selection (null: all).",
            type: ['integer', 'null'],
            minimum: 1,
            default: null,
          },
          maxTestImages: {
            description: 'Use at most this many test images, keeping the normal/anomalous ratio (null: all).',
            type: ['integer', 'null'],
            minimum: 1,
            default: null,
          },
        },
      },
      protocol: { ...slot('protocol'), default: { name: 'one-class', options: {} } },
      model: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          backbone: { ...slot('model.backbone'), default: { name: 'resnet', options: {} } },
          projectionSize: { description: 'P, output size of the projection head.', type: 'integer', minimum: 1, default: 128 },
        },
      },
      train: {
        type: 'object',
        additionalProperties: false,
        required: ['epochs'],
        properties: {
          epochs: { description: 'Training epochs.', type: 'integer', minimum: 1 },
          batchSize: { description: 'N, images per step; a step sees 2 · K · N views.', type: 'integer', minimum: 1, default: 32 },
          shift: {
            description: 'Shift transforms; several combine as their product (K = K_1 · K_2). Empty: K = 1 (SimCLR).',
            type: 'array',
            items: slot('train.shift'),
            default: [{ name: 'rotation', options: {} }],
          },
          align: {
            description: 'Soft augmentations, applied in this order.',
            type: 'array',
            items: slot('train.align'),
            default: ['flip', 'color-jitter', 'grayscale', 'crop'].map((name) => ({ name, options: {} })),
          },
          loss: {
            description: 'Loss terms, summed with their weights: L = Σ weight · term.',
            type: 'array',
            minItems: 1,
            items: slot('train.loss'),
            default: [
              { name: 'con-si', weight: 1, options: {} },
              { name: 'cls-si', weight: 1, options: {} },
            ],
          },
          optimizer: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              name: { enum: ['lars', 'sgd', 'adam'], default: 'lars' },
              learningRate: { description: 'Base learning rate, before warm-up multiplies it.', type: 'number', exclusiveMinimum: 0, default: 0.1 },
              momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9 },
              weightDecay: { type: 'number', minimum: 0, default: 1e-6 },
              trustCoefficient: { description: 'LARS trust coefficient η; ignored by sgd and adam.', type: 'number', exclusiveMinimum: 0, default: 0.001 },
            },
          },
          schedule: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              warmupEpochs: {
                description: 'Epochs of linear warm-up from learningRate to learningRate · warmupMultiplier; cosine decay follows.',
                type: 'integer',
                minimum: 0,
                default: 10,
              },
              warmupMultiplier: { type: 'number', minimum: 1, default: 10 },
            },
          },
        },
      },
      eval: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          score: { ...slot('eval.score'), default: { name: 'csi', options: {} } },
          ensemble: {
            description: 'Test-time ensemble: average network outputs over `samples` soft augmentations.',
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              samples: { type: 'integer', minimum: 1, default: 1 },
              cropScale: { description: 'Fixed random-resized-crop scale during the ensemble.', type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.54 },
            },
          },
          metrics: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: slot('eval.metrics'),
            default: ['auroc', 'aupr', 'fpr-at-95-tpr'],
          },
          batchSize: { description: 'Images per forward pass when extracting features.', type: 'integer', minimum: 1, default: 256 },
        },
      },
      sweep: structuredClone(SWEEP_SCHEMA),
    },
  };
}

function slotSchema(slot: ComponentSlot, entries: readonly RegistryEntry[]): JsonSchema {
  const names = entries.map((entry) => entry.descriptor.name);
  // ajv rejects an empty `enum`; with nothing registered every name is invalid, and the
  // validator reports it with the list of known names (none).
  const nameSchema: JsonSchema = names.length > 0 ? { type: 'string', enum: names } : { type: 'string', not: {} };
  if (slot.form === 'name') return nameSchema;

  const properties: Record<string, JsonSchema> = {
    name: slot.defaultName === undefined ? nameSchema : { ...nameSchema, default: slot.defaultName },
    options: { type: 'object', default: {} },
  };
  if (slot.form === 'loss') {
    properties.weight = { description: 'Weight λ of this term in the summed loss.', type: 'number', minimum: 0, default: 1 };
  }

  const objectForm: JsonSchema = { type: 'object', additionalProperties: false, properties };
  // ajv's meta-schema rejects an empty allOf, so it is left out when nothing is registered.
  if (entries.length > 0) {
    objectForm.allOf = entries.map((entry) => ({
      if: { properties: { name: { const: entry.descriptor.name } }, required: ['name'] },
      then: {
        description: `${entry.descriptor.summary} (from ${entry.source})`,
        properties: { options: structuredClone(entry.descriptor.optionsSchema) },
      },
    }));
  }
  if (slot.defaultName === undefined) objectForm.required = ['name'];
  return { if: { type: 'string' }, then: nameSchema, else: objectForm };
}

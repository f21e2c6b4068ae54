import type { JsonSchema } from '@csi/core';

/**
 * One group of `sweep.zip`: spec paths whose lists vary together, so item i of every list forms
 * one value of the group. `labels` name those values in cell ids and tables.
 */
export interface SweepZipGroup {
  /** Column heading of the labels in tables, and the prefix of the labels in cell ids. */
  name?: string;
  /** One label per item, e.g. `[shift, align, absent]`. */
  labels?: string[];
  /** Spec path → list of values; every list has the same length. */
  values: Record<string, unknown[]>;
}

/** The `sweep:` block of a spec, as validated, with its defaults filled in. */
export interface SweepSettings {
  /** Spec path → list of values; the cells are the cartesian product of all lists. */
  grid?: Record<string, unknown[]>;
  /** Groups of paths that vary together; each group is one more factor of the product. */
  zip?: SweepZipGroup[];
  /** Paths whose values are replicates: the aggregate table averages over them. */
  aggregateOver: string[];
  /** Score the model of an earlier cell when a cell differs from it only under `eval`. */
  shareTraining: boolean;
  /** Paths outside `eval` that change only how a model is scored, so shareTraining ignores them too. */
  scoringOnly: string[];
}

/** Seeds and normal classes are the replicates of the CSI paper's tables, which average over them. */
export const DEFAULT_AGGREGATE_OVER: readonly string[] = ['seed', 'protocol.options.normalClasses'];

// Labels and group names become parts of folder names, so they use characters that every file
// system accepts and that a shell does not read as an option (no leading "-").
const LABEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._+-]*$';

const VALUE_LISTS: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'array', minItems: 1 },
};

/**
 * JSON Schema of the `sweep:` block. Spec paths are map keys here, so `csi sweep` parses and checks
 * them itself. It also checks the rules that span keys: equal list lengths in a zip group, and
 * no path swept twice.
 */
export const SWEEP_SCHEMA: JsonSchema = {
  description:
    'Runs the spec once per cell of a grid of values (csi sweep); csi run and csi eval use the values written outside this block.',
  type: 'object',
  additionalProperties: false,
  properties: {
    grid: {
      ...VALUE_LISTS,
      description: 'Spec path (e.g. seed, protocol.options.normalClasses) → list of values; the cells are the cartesian product.',
    },
    zip: {
      description: 'Groups of spec paths whose lists vary together: item i of every list forms one value. Each group is one factor of the product.',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['values'],
        properties: {
          name: { description: 'Column heading of the labels in tables.', type: 'string', pattern: LABEL_PATTERN },
          labels: {
            description: 'One name per item, used in cell ids and tables instead of the values.',
            type: 'array',
            items: { type: 'string', pattern: LABEL_PATTERN },
            minItems: 1,
            uniqueItems: true,
          },
          values: { ...VALUE_LISTS, description: 'Spec path → list of values; all lists have the same length.', minProperties: 1 },
        },
      },
    },
    aggregateOver: {
      description: 'Swept paths averaged over in the aggregate table (mean ± sample std); the other swept values form its rows.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [...DEFAULT_AGGREGATE_OVER],
    },
    shareTraining: {
      description: 'A cell that differs from an earlier one only under eval scores that cell’s trained model instead of training again.',
      type: 'boolean',
      default: true,
    },
    scoringOnly: {
      description:
        'Spec paths outside eval that change only how a trained model is scored (e.g. protocol.options.transform of ood-ness); ' +
        'shareTraining ignores them as it ignores eval. A path listed here that changes training makes cells share a wrong model.',
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
    },
  },
};

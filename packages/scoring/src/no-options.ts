import type { JsonSchema } from '@csi/core';

/** Options of a component that has none. */
export type NoOptions = Record<string, never>;

/** Schema of a component without options: only `{}` is valid. */
export const NO_OPTIONS_SCHEMA: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };

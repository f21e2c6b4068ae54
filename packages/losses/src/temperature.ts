import { CsiError, type JsonSchema } from '@csi/core';

/** Options of the contrastive loss terms. */
export interface TemperatureOptions {
  /** τ, divides the cosine similarities before the softmax. */
  temperature: number;
}

/** τ = 0.5, the temperature of the authors' reference code for SimCLR, con-SI and sup-CSI. */
export const DEFAULT_TEMPERATURE = 0.5;

export const temperatureOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_TEMPERATURE,
      description: 'τ, divides the cosine similarities before the softmax; smaller values sharpen it.',
    },
  },
};

/** Throws unless τ is a finite positive number. */
export function assertTemperature(functionName: string, temperature: number): void {
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new CsiError(
      `${functionName}: temperature must be a finite number greater than 0; got ${temperature}. ` +
        `The reference value is ${DEFAULT_TEMPERATURE}.`,
    );
  }
}

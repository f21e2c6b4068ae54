import type { ValidateFunction } from 'ajv';
import {
  SpecError,
  type AnyComponentDescriptor,
  type ComponentContext,
  type ComponentInstances,
  type ComponentKind,
  type ComponentRegistry,
} from '@csi/core';
import type { ComponentRef } from '../spec/types.js';
import { createSchemaValidator, describeOptionsError } from '../spec/validate.js';

const validators = new WeakMap<AnyComponentDescriptor, ValidateFunction>();

/**
 * Creates the component that `ref` names, of kind `kind`, from the registry. Throws SpecError
 * for an unknown name (listing the known ones) or for invalid options. `path` is where the
 * component sits in the spec (`train.shift[0]`), and it prefixes each problem.
 */
export function createComponent<K extends ComponentKind>(
  registry: ComponentRegistry,
  kind: K,
  ref: ComponentRef,
  context: ComponentContext,
  path = '',
): ComponentInstances[K] {
  const entry = registry.require(kind, ref.name, path);
  return instantiateDescriptor(entry.descriptor, ref.options, context, path === '' ? 'options' : `${path}.options`) as ComponentInstances[K];
}

/**
 * Validates a copy of `options` against the descriptor's `optionsSchema`, fills in the schema
 * defaults and calls `create`. Throws SpecError listing every invalid option under `optionsPath`.
 */
export function instantiateDescriptor(
  descriptor: AnyComponentDescriptor,
  options: Record<string, unknown>,
  context: ComponentContext,
  optionsPath: string,
): ComponentInstances[ComponentKind] {
  let validate = validators.get(descriptor);
  if (!validate) {
    validate = createSchemaValidator().compile(descriptor.optionsSchema);
    validators.set(descriptor, validate);
  }
  const filled = structuredClone(options);
  if (!validate(filled)) {
    const problems = (validate.errors ?? [])
      .filter((error) => error.keyword !== 'if')
      .map((error) => describeOptionsError(error, optionsPath, filled));
    throw new SpecError(problems);
  }
  return descriptor.create(filled, context);
}

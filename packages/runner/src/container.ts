// The composition root: the only module that creates an inversify Container and resolves from
// it. Library classes in the other packages take their dependencies as constructor parameters
// and carry no decorators, so they work without a container.
import 'reflect-metadata';
import { Container, type ContainerModule, type ServiceIdentifier } from 'inversify';
import {
  LOGGER_ID,
  RANDOM_ID,
  REGISTRY_ID,
  RandomSource,
  type AnyComponentDescriptor,
  type ComponentContext,
  type ComponentInstances,
  type ComponentKind,
  type ComponentRegistry,
  type Logger,
} from '@csi/core';
import { instantiateDescriptor } from './plugins/create-component.js';
import type { ComponentRef } from './spec/types.js';

/**
 * Creates one component from its options (validated against its schema, defaults filled in).
 * `optionsPath` names the options in error messages, e.g. `train.shift[0].options`.
 */
export type ComponentFactory<K extends ComponentKind> = (
  options: Record<string, unknown>,
  optionsPath?: string,
) => ComponentInstances[K];

/** Service identifier of the factories of one kind; each factory is bound under its component's name. */
export const COMPONENT_FACTORY_IDS: { readonly [K in ComponentKind]: ServiceIdentifier<ComponentFactory<K>> } = {
  dataset: Symbol.for('@csi/runner/DatasetFactory') as ServiceIdentifier<ComponentFactory<'dataset'>>,
  protocol: Symbol.for('@csi/runner/ProtocolFactory') as ServiceIdentifier<ComponentFactory<'protocol'>>,
  shift: Symbol.for('@csi/runner/ShiftTransformFactory') as ServiceIdentifier<ComponentFactory<'shift'>>,
  augmentation: Symbol.for('@csi/runner/SoftAugmentationFactory') as ServiceIdentifier<ComponentFactory<'augmentation'>>,
  backbone: Symbol.for('@csi/runner/BackboneFactory') as ServiceIdentifier<ComponentFactory<'backbone'>>,
  loss: Symbol.for('@csi/runner/LossFactory') as ServiceIdentifier<ComponentFactory<'loss'>>,
  score: Symbol.for('@csi/runner/ScoreFactory') as ServiceIdentifier<ComponentFactory<'score'>>,
  metric: Symbol.for('@csi/runner/MetricFactory') as ServiceIdentifier<ComponentFactory<'metric'>>,
};

/**
 * Service identifier under which a plugin's `containerModule` binds its components, one
 * descriptor per binding (`bind(COMPONENT_DESCRIPTOR_ID).toConstantValue(myShift)`). The symbol
 * is global (`Symbol.for`), so a plugin can name it without depending on @csi/runner.
 */
export const COMPONENT_DESCRIPTOR_ID = Symbol.for('@csi/runner/ComponentDescriptor') as ServiceIdentifier<AnyComponentDescriptor>;

/** The services of one experiment, resolved from the container. */
export interface ExperimentServices {
  logger: Logger;
  registry: ComponentRegistry;
  /** The run's root random source, seeded from `spec.seed`; fork it per consumer. */
  random: RandomSource;
  /**
   * Creates the component `ref` names. Throws SpecError for an unknown name or invalid options;
   * `path` is where it sits in the spec (`train.shift[0]`).
   */
  createComponent<K extends ComponentKind>(kind: K, ref: ComponentRef, path?: string): ComponentInstances[K];
}

export interface ExperimentServicesOptions {
  /** Built-in components, then plugins (`createBuiltinRegistry`, then `loadSpec`). */
  registry: ComponentRegistry;
  logger: Logger;
  seed: number;
  /** Folder where components keep downloaded or cached files. */
  cacheDir: string;
}

/**
 * Builds the container of one experiment: the logger, the registry, the seeded random source,
 * and, for each registered component, a factory bound by name (`whenNamed`) that validates the
 * options and calls the component's `create`.
 */
export function composeExperimentServices(options: ExperimentServicesOptions): ExperimentServices {
  const container = new Container();
  container.bind(LOGGER_ID).toConstantValue(options.logger);
  container.bind(REGISTRY_ID).toConstantValue(options.registry);
  container.bind(RANDOM_ID).toDynamicValue(() => RandomSource.fromSeed(options.seed)).inSingletonScope();

  for (const entry of options.registry.list()) {
    const { descriptor } = entry;
    bindFactory(container, descriptor.kind, descriptor, options.cacheDir);
  }

  const registry = container.get(REGISTRY_ID);
  return {
    logger: container.get(LOGGER_ID),
    registry,
    random: container.get(RANDOM_ID),
    createComponent: <K extends ComponentKind>(kind: K, ref: ComponentRef, path = ''): ComponentInstances[K] => {
      // Checked first so that an unknown name gets the list of known names, not inversify's error.
      registry.require(kind, ref.name, path);
      const factory = container.get(COMPONENT_FACTORY_IDS[kind], { name: ref.name });
      return factory(ref.options, path === '' ? 'options' : `${path}.options`);
    },
  };
}

function bindFactory<K extends ComponentKind>(
  container: Container,
  kind: K,
  descriptor: AnyComponentDescriptor,
  cacheDir: string,
): void {
  container
    .bind(COMPONENT_FACTORY_IDS[kind])
    .toFactory((resolution) => {
      const context: ComponentContext = { logger: resolution.get(LOGGER_ID), cacheDir };
      return (componentOptions: Record<string, unknown>, optionsPath = 'options') =>
        instantiateDescriptor(descriptor, componentOptions, context, optionsPath) as ComponentInstances[K];
    })
    .whenNamed(descriptor.name);
}

/**
 * Loads a plugin's `containerModule` into a container of its own and returns the descriptors it
 * binds under COMPONENT_DESCRIPTOR_ID. The plugin's other bindings stay out of the run.
 */
export async function collectModuleComponents(module: ContainerModule): Promise<AnyComponentDescriptor[]> {
  const container = new Container();
  await container.load(module);
  if (!container.isBound(COMPONENT_DESCRIPTOR_ID)) return [];
  return container.getAll(COMPONENT_DESCRIPTOR_ID);
}

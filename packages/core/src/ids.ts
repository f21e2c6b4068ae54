import type { ServiceIdentifier } from 'inversify';
import type { Logger } from './logger.js';
import type { ComponentRegistry } from './registry.js';
import type { RandomSource } from './random.js';

// Service identifiers for the runner's container. Symbols are namespaced so that no other
// package can collide with them, and cast so that `container.get` keeps the type.

export const LOGGER_ID = Symbol.for('@csi/core/Logger') as ServiceIdentifier<Logger>;
export const REGISTRY_ID = Symbol.for('@csi/core/ComponentRegistry') as ServiceIdentifier<ComponentRegistry>;
export const RANDOM_ID = Symbol.for('@csi/core/RandomSource') as ServiceIdentifier<RandomSource>;

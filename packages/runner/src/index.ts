export type { ComponentRef, ExperimentSpec, LossRef, OptimizerName } from './spec/types.js';
export { loadSpec, type LoadSpecOptions, type LoadedSpec } from './spec/load.js';
export { parseSetArgument, parseSpecPath, applyOverride, type SpecOverride } from './spec/overrides.js';
export { buildSpecSchema, SPEC_SCHEMA_DIALECT } from './spec/schema.js';
export { validateSpecTree } from './spec/validate.js';
export { readSpecWithParents, mergeNodes } from './spec/extends.js';
export { normaliseComponents } from './spec/normalise.js';
export { COMPONENT_SLOTS, type ComponentSlot } from './spec/slots.js';
export {
  formatSpecPath,
  toPlainValue,
  type SourceNode,
  type SourceMap,
  type SourceSequence,
  type SourceScalarNode,
  type SpecOrigin,
  type SpecPathSegment,
  type SpecScalar,
} from './spec/source-tree.js';
export { BUILTIN_PACKAGES, createBuiltinRegistry } from './plugins/builtins.js';
export { loadPlugins, type LoadedPlugin, type PluginRequest } from './plugins/load-plugins.js';
export { resolvePluginEntry, PluginResolveError, type ResolvedPlugin } from './plugins/resolve-plugin.js';
export { createComponent } from './plugins/create-component.js';
export {
  composeExperimentServices,
  COMPONENT_DESCRIPTOR_ID,
  COMPONENT_FACTORY_IDS,
  type ComponentFactory,
  type ExperimentServices,
  type ExperimentServicesOptions,
} from './container.js';
export { runExperiment, type ExperimentRequest, type ExperimentResult } from './run/experiment.js';
export { runCli, type CliIo } from './cli/main.js';
export { loadSweep, type SweepPlan, type PlannedCell, type LoadSweepOptions } from './sweep/load-sweep.js';
export { runSweep, type SweepRequest, type SweepResult, type SweepEvent } from './sweep/run-sweep.js';
export { SWEEP_SCHEMA, type SweepSettings } from './sweep/settings.js';

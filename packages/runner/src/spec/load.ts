import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { ComponentRegistry, SpecProblem } from '@csi/core';
import { createBuiltinRegistry } from '../plugins/builtins.js';
import { loadPlugins, type LoadedPlugin, type PluginRequest } from '../plugins/load-plugins.js';
import { readSpecWithParents } from './extends.js';
import { normaliseComponents } from './normalise.js';
import { applyOverride, type SpecOverride } from './overrides.js';
import { formatSpecPath, locationOf, type SourceMap } from './source-tree.js';
import type { ExperimentSpec } from './types.js';
import { validateSpecTree } from './validate.js';

export interface LoadSpecOptions {
  /** `--set` (and `--backend`) overrides, applied in order after `extends` and before validation. */
  overrides?: readonly SpecOverride[];
  /**
   * Registry to validate against and to add the spec's plugins to; a new one with the built-in
   * components when left out.
   */
  registry?: ComponentRegistry;
}

/** A valid spec and what was loaded to validate it. */
export interface LoadedSpec {
  spec: ExperimentSpec;
  /** The spec file as the caller named it. */
  specFile: string;
  /** The validated spec with every default filled in, as YAML, for the run folder. */
  resolvedSpecYaml: string;
  /** The built-in components and those of the spec's plugins. */
  registry: ComponentRegistry;
  plugins: LoadedPlugin[];
}

/**
 * Reads, layers, overrides and validates a spec. It parses the file and the files it `extends`,
 * writes every component as `{ name, options }`, applies the overrides and loads the listed
 * plugins into the registry. Then it validates the result against the schema assembled from that
 * registry, filling in defaults. Throws SpecError listing every problem with its file, line and
 * column (or `--set` argument), or UsageError for an unreadable file or malformed override.
 */
export async function loadSpec(specFile: string, options: LoadSpecOptions = {}): Promise<LoadedSpec> {
  const root = await readSpecWithParents(specFile);
  normaliseComponents(root);
  for (const override of options.overrides ?? []) applyOverride(root, override);
  // An override may write a component as a bare name again.
  normaliseComponents(root);

  const registry = options.registry ?? createBuiltinRegistry();
  const plugins = await loadPlugins(listPluginRequests(root), registry);
  const spec = validateSpecTree(root, registry);
  return { spec, specFile, resolvedSpecYaml: stringify(spec), registry, plugins };
}

/**
 * Lists the `plugins:` entries that are strings. Anything else is left for the schema to report. A
 * relative path is relative to the file that wrote it (a parent for an inherited entry), or to
 * the working directory for one from `--set`.
 */
function listPluginRequests(root: SourceMap): PluginRequest[] {
  const node = root.entries.get('plugins');
  if (node?.type !== 'sequence') return [];
  const requests: PluginRequest[] = [];
  node.items.forEach((item, index) => {
    if (item.type !== 'scalar' || typeof item.value !== 'string' || item.value === '') return;
    const origin = item.origin;
    const path = formatSpecPath(['plugins', index]);
    requests.push({
      entry: item.value,
      baseDir: origin.kind === 'file' ? dirname(origin.file) : process.cwd(),
      path,
      problem: (message) => {
        const problem: SpecProblem = { path, message: origin.kind === 'argument' ? `${message} (from ${origin.argument})` : message };
        const location = locationOf(origin);
        if (location) problem.location = location;
        return problem;
      },
    });
  });
  return requests;
}

import type { ComponentRegistry } from '@csi/core';
import { loadPlugins, type LoadedPlugin } from '../plugins/load-plugins.js';

/** Loads the plugins named by `--plugin` options (relative to the working directory) into `registry`. */
export function loadCommandLinePlugins(entries: readonly string[], registry: ComponentRegistry): Promise<LoadedPlugin[]> {
  const requests = entries.map((entry) => ({
    entry,
    baseDir: process.cwd(),
    path: `--plugin ${entry}`,
    problem: (message: string) => ({ path: `--plugin ${entry}`, message }),
  }));
  return loadPlugins(requests, registry);
}

import { pathToFileURL } from 'node:url';
import { SpecError, type ComponentRegistry, type RegisterFunction, type SpecProblem } from '@csi/core';
import type { ContainerModule } from 'inversify';
import { collectModuleComponents } from '../container.js';
import { resolvePluginEntry } from './resolve-plugin.js';

/** One `plugins:` entry to load, with where it was written. */
export interface PluginRequest {
  /** The entry as written: a package name or a path. */
  entry: string;
  /** Folder that a relative path is relative to: the spec file's folder, or the working directory. */
  baseDir: string;
  /** Spec path of the entry, e.g. `plugins[0]`, for messages. */
  path: string;
  /** Turns a message into the SpecProblem for this entry (adds its file position or argument). */
  problem(message: string): SpecProblem;
}

/** A plugin that loaded and registered its components. */
export interface LoadedPlugin {
  entry: string;
  /** The name its components are registered under: its package name, or the entry. */
  source: string;
  /** The module file that was imported. */
  file: string;
  /** `kind:name` of each component it added. */
  components: string[];
}

/**
 * Imports each plugin in order and adds its components to `registry`. A plugin module exports
 * `register(registrar)` (by name, or as a `register` member of its default export), or an
 * inversify ContainerModule named `containerModule` that binds descriptors under
 * COMPONENT_DESCRIPTOR_ID. Throws one SpecError listing every plugin that could not be found,
 * failed to import, has no such export, or failed while registering.
 */
export async function loadPlugins(requests: readonly PluginRequest[], registry: ComponentRegistry): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  const problems: SpecProblem[] = [];
  for (const request of requests) {
    try {
      loaded.push(await loadPlugin(request, registry));
    } catch (error) {
      problems.push(request.problem(`plugin "${request.entry}" ${(error as Error).message}`));
    }
  }
  if (problems.length > 0) throw new SpecError(problems);
  return loaded;
}

async function loadPlugin(request: PluginRequest, registry: ComponentRegistry): Promise<LoadedPlugin> {
  let resolved;
  try {
    resolved = await resolvePluginEntry(request.entry, request.baseDir, [request.baseDir, process.cwd()]);
  } catch (error) {
    throw new Error(`cannot be loaded: ${(error as Error).message}`, { cause: error });
  }

  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolved.file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`failed to import ${resolved.file}: ${(error as Error).message}`, { cause: error });
  }

  const source = resolved.packageName ?? request.entry;
  const before = new Set(registry.list().map((entry) => `${entry.descriptor.kind}:${entry.descriptor.name}`));
  const registrar = registry.registrarFor(source);
  const register = findRegister(module);
  const containerModule = module.containerModule;
  if (!register && !isContainerModule(containerModule)) {
    const names = Object.keys(module);
    const exported = names.length > 0 ? `it exports: ${names.join(', ')}` : 'it has no exports';
    throw new Error(
      `(${resolved.file}) has no register function (a named export, or a member of the default export) ` +
        `and no containerModule export; ${exported}`,
    );
  }

  try {
    if (register) {
      register(registrar);
    } else {
      for (const descriptor of await collectModuleComponents(containerModule as ContainerModule)) registrar.add(descriptor);
    }
  } catch (error) {
    throw new Error(`failed while registering its components: ${(error as Error).message}`, { cause: error });
  }

  const components = registry
    .list()
    .map((entry) => `${entry.descriptor.kind}:${entry.descriptor.name}`)
    .filter((key) => !before.has(key));
  return { entry: request.entry, source, file: resolved.file, components };
}

function findRegister(module: Record<string, unknown>): RegisterFunction | undefined {
  if (typeof module.register === 'function') return module.register as RegisterFunction;
  const fallback = module.default as { register?: unknown } | undefined;
  if (fallback && typeof fallback === 'object' && typeof fallback.register === 'function') {
    return fallback.register.bind(fallback) as RegisterFunction;
  }
  return undefined;
}

// Checked by shape rather than instanceof, because the plugin may carry its own copy of inversify.
function isContainerModule(value: unknown): value is ContainerModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { load?: unknown }).load === 'function' &&
    typeof (value as { id?: unknown }).id === 'number'
  );
}

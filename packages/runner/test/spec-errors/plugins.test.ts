import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComponentRegistry, createSilentLogger, SpecError, type SpecProblem } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { composeExperimentServices, createBuiltinRegistry, loadSpec, parseSetArgument } from '../../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Writes a spec next to the fixtures' folder that lists `plugins` and uses nothing else from them. */
function writeSpec(plugins: string[], extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'csi-plugins-'));
  const file = join(dir, 'spec.yaml');
  const entries = plugins.map((plugin) => JSON.stringify(plugin.startsWith('fixtures/') ? relative(dir, join(fixtures, plugin.slice(9))) : plugin));
  writeFileSync(file, `name: plugins\nplugins: [${entries.join(', ')}]\ndata:\n  dataset: fashion-mnist\ntrain:\n  epochs: 1\n${extra}`);
  return file;
}

async function problemsOf(promise: Promise<unknown>): Promise<SpecProblem[]> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SpecError);
  return (error as SpecError).problems;
}

describe('spec plugins', () => {
  it('lists the exports of a module without register', async () => {
    const [problem, ...rest] = await problemsOf(loadSpec(writeSpec(['fixtures/plugin-without-register.mjs'])));
    expect(rest).toEqual([]);
    expect(problem?.path).toBe('plugins[0]');
    expect(problem?.location).toMatchObject({ line: 2, column: 11 });
    expect(problem?.message).toContain('has no register function (a named export, or a member of the default export) and no containerModule export');
    expect(problem?.message).toContain('it exports: colorShift, setup');
    expect(problem?.message).toContain(join(fixtures, 'plugin-without-register.mjs'));
  });

  it('reports a register function that throws', async () => {
    const [problem] = await problemsOf(loadSpec(writeSpec(['fixtures/plugin-that-throws.mjs'])));
    expect(problem?.message).toMatch(/^plugin ".*plugin-that-throws\.mjs" failed while registering its components: the GPU kernels of this plugin are missing$/);
  });

  it('names both packages for a name registered twice', async () => {
    const [problem] = await problemsOf(loadSpec(writeSpec(['fixtures/plugin-duplicate-rotation.mjs'])));
    expect(problem?.message).toContain('shift "rotation" is registered twice: by @csi/transforms and by ');
    expect(problem?.message).toContain('plugin-duplicate-rotation.mjs');
  });

  it('reports a module that fails to import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csi-plugins-'));
    writeFileSync(join(dir, 'broken.mjs'), 'export function register( {\n');
    writeFileSync(join(dir, 'spec.yaml'), 'name: x\nplugins: [./broken.mjs]\ndata:\n  dataset: fashion-mnist\ntrain:\n  epochs: 1\n');
    const [problem] = await problemsOf(loadSpec(join(dir, 'spec.yaml')));
    expect(problem?.path).toBe('plugins[0]');
    expect(problem?.message).toMatch(new RegExp(`^plugin "./broken.mjs" failed to import ${join(dir, 'broken.mjs')}: `));
  });

  it('loads every entry before reporting, so all failures show at once', async () => {
    const problems = await problemsOf(loadSpec(writeSpec(['fixtures/plugin-that-throws.mjs', './missing.mjs'])));
    expect(problems.map((problem) => problem.path)).toEqual(['plugins[0]', 'plugins[1]']);
  });

  it('uses register from a default export', async () => {
    const loaded = await loadSpec(writeSpec(['fixtures/plugin-default-export.mjs'], 'eval:\n  metrics: [auroc, always-half]\n'));
    expect(loaded.spec.eval.metrics).toEqual(['auroc', 'always-half']);
    expect(loaded.plugins).toHaveLength(1);
    expect(loaded.plugins[0]?.components).toEqual(['metric:always-half']);
    expect(loaded.registry.get('metric', 'always-half')?.source).toMatch(/plugin-default-export\.mjs$/);
  });

  it('collects descriptors from a containerModule', async () => {
    const loaded = await loadSpec(writeSpec(['fixtures/plugin-container-module.mjs'], 'eval:\n  metrics: [container-half]\n'));
    expect(loaded.plugins[0]?.components).toEqual(['metric:container-half']);
    const services = composeExperimentServices({ registry: loaded.registry, logger: createSilentLogger(), seed: 0, cacheDir: tmpdir() });
    const metric = services.createComponent('metric', { name: 'container-half', options: {} });
    expect(metric.compute(new Float32Array([1]), new Uint8Array([1]))).toBe(0.5);
  });

  it('validates plugin options like built-in ones', async () => {
    const spec = writeSpec(['fixtures/plugin-default-export.mjs'], 'eval:\n  metrics: [always-half, always-halve]\n');
    const [problem] = await problemsOf(loadSpec(spec));
    expect(problem?.path).toBe('eval.metrics[1]');
    expect(problem?.message).toContain('unknown metric "always-halve"');
    expect(problem?.message).toContain('Did you mean "always-half"?');
  });

  it('resolves a plugin from --set against the working directory', async () => {
    const entry = `./${relative(process.cwd(), join(fixtures, 'plugin-that-throws.mjs'))}`;
    const [problem] = await problemsOf(loadSpec(writeSpec([]), { overrides: [parseSetArgument(`plugins=[${entry}]`)] }));
    expect(problem?.location).toBeUndefined();
    expect(problem?.message).toMatch(/failed while registering its components: .* \(from --set plugins=\[.*\]\)$/);
  });

  it('resolves an inherited plugin against the parent file', async () => {
    const parent = writeSpec(['fixtures/plugin-default-export.mjs']);
    const childDir = mkdtempSync(join(tmpdir(), 'csi-child-'));
    writeFileSync(join(childDir, 'child.yaml'), `extends: ${JSON.stringify(parent)}\neval:\n  metrics: [always-half]\n`);
    const loaded = await loadSpec(join(childDir, 'child.yaml'));
    expect(loaded.plugins[0]?.file).toBe(join(fixtures, 'plugin-default-export.mjs'));
    expect(loaded.spec.eval.metrics).toEqual(['always-half']);
  });

  it('adds plugins to the registry it is given', async () => {
    const registry = createBuiltinRegistry();
    const before = registry.list().length;
    await loadSpec(writeSpec(['fixtures/plugin-default-export.mjs']), { registry });
    expect(registry.list()).toHaveLength(before + 1);
    expect(new ComponentRegistry().list()).toEqual([]);
  });
});

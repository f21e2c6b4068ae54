import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { PluginResolveError, resolvePluginEntry } from './resolve-plugin.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'csi-plugin-'));
});

function write(path: string, text = 'export function register() {}\n'): string {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

async function resolveError(entry: string, baseDir = dir): Promise<PluginResolveError> {
  const error = await resolvePluginEntry(entry, baseDir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PluginResolveError);
  return error as PluginResolveError;
}

describe('resolvePluginEntry', () => {
  it('takes a relative file path from the base folder', async () => {
    const file = write('plugins/shift.mjs');
    expect(await resolvePluginEntry('./plugins/shift.mjs', dir)).toEqual({ entry: './plugins/shift.mjs', file });
  });

  it('resolves a folder through the import condition of its exports', async () => {
    write('plugin/package.json', JSON.stringify({ name: 'my-plugin', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } }));
    const file = write('plugin/dist/index.js');
    expect(await resolvePluginEntry('./plugin', dir)).toEqual({ entry: './plugin', file, packageName: 'my-plugin' });
  });

  it('resolves a folder through main', async () => {
    write('plugin/package.json', JSON.stringify({ name: 'my-plugin', main: 'lib/main.js' }));
    const file = write('plugin/lib/main.js');
    expect((await resolvePluginEntry('./plugin', dir)).file).toBe(file);
  });

  it('falls back to index.js in a folder without package.json', async () => {
    const file = write('plugin/index.js');
    expect(await resolvePluginEntry('./plugin', dir)).toEqual({ entry: './plugin', file });
  });

  it('finds a scoped package in node_modules above the base folder', async () => {
    write('node_modules/@acme/csi-plugin/package.json', JSON.stringify({ name: '@acme/csi-plugin', exports: './index.mjs' }));
    const file = write('node_modules/@acme/csi-plugin/index.mjs');
    const specs = join(dir, 'configs', 'deep');
    mkdirSync(specs, { recursive: true });
    expect(await resolvePluginEntry('@acme/csi-plugin', specs)).toEqual({ entry: '@acme/csi-plugin', file, packageName: '@acme/csi-plugin' });
  });

  it('reports a missing path with its resolved form', async () => {
    const error = await resolveError('../no-such-plugin', join(dir, 'configs'));
    expect(error.message).toBe(`not found: ${join(dir, 'no-such-plugin')} (resolved from "../no-such-plugin" relative to ${join(dir, 'configs')})`);
  });

  it('reports an unbuilt plugin with the build command', async () => {
    write('plugin/package.json', JSON.stringify({ name: 'my-plugin', exports: { '.': { import: './dist/index.js' } } }));
    const error = await resolveError('./plugin');
    expect(error.message).toBe(
      `the "exports" of ${join(dir, 'plugin/package.json')} points to ./dist/index.js, which does not exist: ` +
        `${join(dir, 'plugin/dist/index.js')}. Build the plugin first, e.g. pnpm --filter my-plugin build.`,
    );
  });

  it('reports exports without an import condition', async () => {
    write('plugin/package.json', JSON.stringify({ exports: { '.': { require: './index.cjs' } } }));
    const error = await resolveError('./plugin');
    expect(error.message).toBe(`${join(dir, 'plugin/package.json')} exports no "." entry for import (conditions import, node, default)`);
  });

  it('reports a package that is not installed', async () => {
    const error = await resolveError('csi-plugin-missing');
    expect(error.message).toMatch(/^package "csi-plugin-missing" not found in any node_modules folder from .* upward; install it \(pnpm add csi-plugin-missing\)/);
  });

  it('rejects an entry that is neither a path nor a package name', async () => {
    const error = await resolveError('plugins\\shift.js');
    expect(error.message).toMatch(/is neither a path \(start it with \.\/ or \.\.\/\) nor a package name/);
  });
});

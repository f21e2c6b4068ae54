import { readFileSync } from 'node:fs';
import { createSilentLogger } from '@csi/core';
import { composeExperimentServices, loadSpec, parseSetArgument } from '@csi/runner';
import { describe, expect, it, vi } from 'vitest';

describe('README example', () => {
  it('loads a spec and creates its shift transform', async () => {
    const printed = vi.spyOn(console, 'log').mockImplementation(() => undefined);

    const { spec, registry } = await loadSpec('configs/fashion-mnist/tiny.yaml', {
      overrides: [parseSetArgument('train.epochs=2')],
    });
    const services = composeExperimentServices({ registry, logger: createSilentLogger(), seed: spec.seed, cacheDir: '.cache' });
    const shift = services.createComponent('shift', spec.train.shift[0]!, 'train.shift[0]');
    console.log(spec.train.epochs, shift.numShifts); // 2 4

    expect(printed).toHaveBeenCalledWith(2, 4);
    printed.mockRestore();
  });

  it('is the code shown in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    expect(block).toBeDefined();

    let searchFrom = 0;
    for (const line of block!.split('\n').map((text) => text.trim()).filter((text) => text !== '')) {
      const found = source.indexOf(line, searchFrom);
      expect(found, `README line missing from this test: ${line}`).toBeGreaterThanOrEqual(0);
      searchFrom = found + line.length;
    }
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeLogger, createLogger, createSilentLogger } from './logger.js';

const dir = mkdtempSync(join(tmpdir(), 'csi-logger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readRecords(file: string): { msg: string; epoch?: number }[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string; epoch?: number });
}

describe('closeLogger', () => {
  it('writes out the records before it resolves, then drops later ones', async () => {
    const file = join(dir, 'sub', 'log.jsonl');
    const logger = createLogger({ file });
    logger.info({ epoch: 1 }, 'epoch finished');
    logger.debug('below the level');
    await closeLogger(logger);
    logger.info('after closing');
    expect(readRecords(file)).toEqual([expect.objectContaining({ msg: 'epoch finished', epoch: 1 })]);
  });

  it('resolves for a logger without a file and for a second call', async () => {
    const logger = createLogger({ file: join(dir, 'twice.jsonl') });
    await closeLogger(logger);
    await expect(closeLogger(logger)).resolves.toBeUndefined();
    await expect(closeLogger(createSilentLogger())).resolves.toBeUndefined();
  });
});

import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** Minimum level written anywhere: 'debug', 'info', 'warn' or 'error'. */
  level?: pino.Level;
  /** JSON-lines log file; its folder is created. */
  file?: string;
  /** Also print warnings and errors to stderr as plain lines. */
  console?: boolean;
}

/**
 * Creates the one structured logger of a run. Records are objects (`{ epoch, step, lossConSi }`),
 * written as JSON lines to `file`; warnings and errors also go to stderr in plain text.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({ level, stream: createWriteStream(options.file, { flags: 'a' }) });
  }
  if (options.console) {
    streams.push({ level: 'warn', stream: { write: writePlainLine } });
  }
  if (streams.length === 0) return pino({ level: 'silent' });
  return pino({ level, base: undefined }, pino.multistream(streams));
}

function writePlainLine(line: string): void {
  const record = JSON.parse(line) as { level: number; msg?: string };
  const label = record.level >= 50 ? 'error' : 'warning';
  process.stderr.write(`${label}: ${record.msg ?? ''}\n`);
}

/** A logger that drops everything, for library calls and tests that need none. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
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
  let file: WriteStream | undefined;
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    file = createWriteStream(options.file, { flags: 'a' });
    streams.push({ level, stream: file });
  }
  if (options.console) {
    streams.push({ level: 'warn', stream: { write: writePlainLine } });
  }
  if (streams.length === 0) return pino({ level: 'silent' });
  const logger = pino({ level, base: undefined }, pino.multistream(streams));
  if (file) logFiles.set(logger, file);
  return logger;
}

// The log file of each logger that has one, so that closeLogger can end it.
const logFiles = new WeakMap<Logger, WriteStream>();

/**
 * Writes out and closes the log file of a logger made by createLogger, and silences the logger. A process that makes many loggers (one per sweep cell) calls it for each,
 * so that it does not keep one open file per logger until it exits.
 */
export function closeLogger(logger: Logger): Promise<void> {
  const file = logFiles.get(logger);
  if (!file) return Promise.resolve();
  logFiles.delete(logger);
  // A record written to an ended stream would raise an unhandled 'error' event.
  logger.level = 'silent';
  return new Promise((resolve) => file.end(resolve));
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

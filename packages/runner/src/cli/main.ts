import { CommanderError } from 'commander';
import { CsiError, SpecError, UsageError } from '@csi/core';
import { createProgram } from './program.js';

/** Output streams of the command line. Tests pass buffers, and the binary passes the process streams. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** Exit status of `csi`: 0 done, 1 a run (or fetch) failed, 2 a bad spec or command line. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * Runs the `csi` command line on `argv` (the arguments after the program name) and returns the
 * exit status. Errors are printed as messages: a stack trace only for errors that are not
 * CsiErrors (bugs), and for all errors when CSI_DEBUG is set.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  const debug = Boolean(process.env.CSI_DEBUG);
  if (error instanceof CommanderError) {
    // commander has already printed its message (and the help, where asked for).
    return HELP_CODES.has(error.code) ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof SpecError) {
    const count = error.problems.length;
    io.stderr.write(`${error.message}\n${count} problem${count === 1 ? '' : 's'} found.\n`);
    if (debug) io.stderr.write(`${error.stack ?? ''}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${error.message}\n`);
    if (debug) io.stderr.write(`${error.stack ?? ''}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof CsiError) {
    io.stderr.write(`error: ${error.message}\n${describeCauses(error)}`);
    if (debug) io.stderr.write(`${error.stack ?? ''}\n`);
    return EXIT_FAILED;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: ${message}\n`);
  if (debug || !(error instanceof Error)) {
    io.stderr.write(`${error instanceof Error ? (error.stack ?? '') : ''}\n`);
  } else {
    io.stderr.write('This is not a known failure of csi or a plugin; set CSI_DEBUG=1 to print the stack trace.\n');
  }
  return EXIT_FAILED;
}

// A cause whose message the error already quotes adds nothing, so only new text is printed.
function describeCauses(error: Error): string {
  let text = '';
  let seen = error.message;
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) {
    if (!seen.includes(cause.message)) text += `  caused by: ${cause.message}\n`;
    seen += cause.message;
  }
  return text;
}

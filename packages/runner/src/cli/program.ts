import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addDataCommand } from './commands/data.js';
import { addListCommand } from './commands/list.js';
import { addRunCommands } from './commands/run.js';
import { addSchemaCommand } from './commands/schema.js';
import { addSweepCommand } from './commands/sweep.js';
import { addValidateCommand } from './commands/validate.js';
import type { CliIo } from './main.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Builds the `csi` program. Commander throws instead of exiting (`exitOverride`), so `runCli`
 * chooses the exit status, and it writes through `io`, so tests can read what it printed.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('csi')
    .description('Novelty detection by contrastive learning on distributionally shifted instances (CSI), from YAML specs.')
    .version(manifest.version, '-V, --version', 'print the csi version')
    .helpOption('-h, --help', 'print help for this command')
    .helpCommand('help [command]', 'print help for a command')
    .exitOverride()
    .showHelpAfterError('(run csi help for the commands and options)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  addValidateCommand(program, io);
  addRunCommands(program, io);
  addSweepCommand(program, io);
  addListCommand(program, io);
  addSchemaCommand(program, io);
  addDataCommand(program, io);
  return program;
}

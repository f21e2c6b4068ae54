import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createBuiltinRegistry } from '../../plugins/builtins.js';
import { buildSpecSchema } from '../../spec/schema.js';
import type { CliIo } from '../main.js';
import { collectValues, PLUGIN_OPTION_HELP } from '../options.js';
import { loadCommandLinePlugins } from '../plugin-option.js';

export function addSchemaCommand(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the JSON Schema of specs, built from the registered components, for editors')
    .option('--out <file>', 'write the schema to this file instead of printing it')
    .option('--plugin <path>', PLUGIN_OPTION_HELP, collectValues)
    .action(async (options: { out?: string; plugin?: string[] }) => {
      const registry = createBuiltinRegistry();
      await loadCommandLinePlugins(options.plugin ?? [], registry);
      const text = formatSchemaFile(buildSpecSchema(registry));
      if (options.out === undefined) {
        io.stdout.write(text);
        return;
      }
      const file = resolve(options.out);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      io.stdout.write(`wrote ${options.out}\n`);
    });
}

/** Formats the schema as the file's text: two-space JSON with a final newline, as committed. */
export function formatSchemaFile(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

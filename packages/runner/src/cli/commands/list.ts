import type { Command } from 'commander';
import { COMPONENT_KINDS, suggestClosest, UsageError, type ComponentKind } from '@csi/core';
import { createBuiltinRegistry } from '../../plugins/builtins.js';
import { formatComponentList } from '../component-list.js';
import type { CliIo } from '../main.js';
import { collectValues, PLUGIN_OPTION_HELP } from '../options.js';
import { loadCommandLinePlugins } from '../plugin-option.js';

export function addListCommand(program: Command, io: CliIo): void {
  program
    .command('list')
    .description('list the registered components by kind, with their summaries, options, defaults and packages')
    .argument('[kind]', `only this kind: ${COMPONENT_KINDS.join(', ')}`)
    .option('--plugin <path>', PLUGIN_OPTION_HELP, collectValues)
    .action(async (kind: string | undefined, options: { plugin?: string[] }) => {
      const kinds = kind === undefined ? COMPONENT_KINDS : [parseKind(kind)];
      const registry = createBuiltinRegistry();
      await loadCommandLinePlugins(options.plugin ?? [], registry);
      io.stdout.write(`${formatComponentList(registry, kinds)}\n`);
    });
}

function parseKind(text: string): ComponentKind {
  if ((COMPONENT_KINDS as readonly string[]).includes(text)) return text as ComponentKind;
  const suggestion = suggestClosest(text, COMPONENT_KINDS);
  throw new UsageError(
    `unknown component kind "${text}". Known: ${COMPONENT_KINDS.join(', ')}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
  );
}

import type { Command } from 'commander';
import { loadSpec, type LoadedSpec } from '../../spec/load.js';
import { parseSetArgument } from '../../spec/overrides.js';
import type { ExperimentSpec } from '../../spec/types.js';
import type { CliIo } from '../main.js';
import { collectValues, SET_OPTION_HELP } from '../options.js';

export function addValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check a spec (with its extends, plugins and --set values) and print a one-line summary')
    .argument('<spec>', 'spec file (YAML)')
    .option('--set <path=value>', SET_OPTION_HELP, collectValues)
    .action(async (specFile: string, options: { set?: string[] }) => {
      const loaded = await loadSpec(specFile, { overrides: (options.set ?? []).map(parseSetArgument) });
      io.stdout.write(`${specFile}: valid\n${summariseSpec(loaded)}\n`);
    });
}

/**
 * Summarises in one line what the spec will run, e.g. `fmnist-0: fashion-mnist (one-class), resnet
 * P=128, shift rotation, align flip+crop, loss 1·con-si + 1·cls-si, 100 epochs × 32 images,
 * score csi, backend auto`.
 */
export function summariseSpec({ spec, plugins }: Pick<LoadedSpec, 'spec' | 'plugins'>): string {
  const names = (refs: readonly { name: string }[]): string => (refs.length === 0 ? 'none' : refs.map((ref) => ref.name).join('+'));
  const parts = [
    `${spec.data.dataset.name} (${spec.protocol.name})`,
    `${spec.model.backbone.name} P=${spec.model.projectionSize}`,
    `shift ${spec.train.shift.length === 0 ? 'none (K = 1)' : names(spec.train.shift)}`,
    `align ${names(spec.train.align)}`,
    `loss ${spec.train.loss.map((term) => `${term.weight}·${term.name}`).join(' + ')}`,
    `${spec.train.epochs} epoch${spec.train.epochs === 1 ? '' : 's'} × ${spec.train.batchSize} images`,
    `${describeOptimizer(spec)}`,
    `score ${spec.eval.score.name}`,
    `backend ${spec.backend}`,
  ];
  if (plugins.length > 0) parts.push(`plugins ${plugins.map((plugin) => plugin.source).join(', ')}`);
  return `${spec.name}: ${parts.join(', ')}`;
}

function describeOptimizer(spec: ExperimentSpec): string {
  const { optimizer, schedule } = spec.train;
  const epochs = schedule.warmupEpochs === 1 ? 'epoch' : 'epochs';
  return `${optimizer.name} lr ${optimizer.learningRate} (warm-up ${schedule.warmupEpochs} ${epochs} to ×${schedule.warmupMultiplier})`;
}

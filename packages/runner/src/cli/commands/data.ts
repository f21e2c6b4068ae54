import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { createLogger } from '@csi/core';
import { fetchBuiltinDataset } from '@csi/datasets';
import type { CliIo } from '../main.js';

export function addDataCommand(program: Command, io: CliIo): void {
  const data = program.command('data').description('manage data sets');
  data
    .command('fetch')
    .description('make sure a data set is on this machine, downloading it into the user cache if needed')
    .argument('<name>', 'data set name, e.g. fashion-mnist')
    .option('--root <dir>', 'folder to search first for the data files')
    .action(async (name: string, options: { root?: string }) => {
      const logger = createLogger({ console: true });
      const progress = new DownloadProgressBar(io);
      try {
        const fetched = await fetchBuiltinDataset(name, {
          logger,
          onProgress: (bytes, total, file) => progress.update(bytes, total, file),
          ...(options.root === undefined ? {} : { root: options.root }),
        });
        progress.stop();
        io.stdout.write(`${name}: ready in ${fetched.dir} (${fetched.source})\n`);
      } finally {
        progress.stop();
      }
    });
}

/** A byte progress bar per downloaded file on a terminal; nothing when stderr is not one. */
class DownloadProgressBar {
  private bar: SingleBar | undefined;
  private file: string | undefined;

  constructor(private readonly io: CliIo) {}

  update(bytes: number, total: number | undefined, file: string): void {
    if (!this.io.stderr.isTTY) return;
    if (file !== this.file) {
      this.stop();
      this.file = file;
      this.bar = new SingleBar({
        format: `${file} [{bar}] {percentage}% {value}/{total} bytes, ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      });
      this.bar.start(total ?? 0, 0);
    }
    if (total !== undefined) this.bar?.setTotal(total);
    this.bar?.update(bytes);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.file = undefined;
  }
}

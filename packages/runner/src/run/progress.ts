import cliProgress from 'cli-progress';

/** Values shown beside the bar, e.g. `{ epoch: '1/3', loss_con_si: 5.12 }`. */
export type ProgressFields = Record<string, string | number>;

/**
 * Shows the progress of one phase (an epoch, feature extraction): a live bar with rate and ETA
 * on a terminal, and plain periodic lines otherwise, so logs of batch jobs stay readable.
 */
export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private phase = '';
  private total = 0;
  private unit = '';
  private startedAt = 0;
  private lastLineAt = 0;
  private linesWritten = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** Seconds between plain lines when the stream is not a terminal. */
    private readonly lineInterval = 15,
  ) {}

  start(phase: string, total: number, unit: string): void {
    this.stop();
    this.phase = phase;
    this.total = total;
    this.unit = unit;
    this.startedAt = Date.now();
    this.lastLineAt = this.startedAt;
    this.linesWritten = 0;
    if (this.stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: `${phase} |{bar}| {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} | {fields}`,
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { rate: '0', fields: '' });
    }
  }

  /** Moves the bar to `done` units and shows `fields`. */
  update(done: number, fields: ProgressFields = {}): void {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const fieldText = formatFields(fields);
    if (this.bar) {
      this.bar.update(done, { rate: rate.toFixed(1), fields: fieldText });
      return;
    }
    // The first line follows the first update, so a log shows early that the phase has started
    // and at what rate. Later lines follow every `lineInterval` seconds, and one at the end.
    const now = Date.now();
    if (this.linesWritten === 0 || now - this.lastLineAt >= this.lineInterval * 1000 || done === this.total) {
      this.lastLineAt = now;
      this.linesWritten++;
      const remaining = rate > 0 ? (this.total - done) / rate : 0;
      this.stream.write(
        `${this.phase}: ${done}/${this.total} ${this.unit}, ${rate.toFixed(1)} ${this.unit}/s, ` +
          `ETA ${formatDuration(remaining)}${fieldText ? `, ${fieldText}` : ''}\n`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

function formatFields(fields: ProgressFields): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key} ${typeof value === 'number' ? value.toFixed(4) : value}`)
    .join(' ');
}

/** `75` → `1m15s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

// A one-line progress indicator on stderr for long runs; silent when stderr is not a terminal or under --json.
import { formatBytes } from './format.js';

export class ProgressLine {
  private lastDrawn = 0;
  private readonly enabled: boolean;
  private readonly startedAt = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    wanted: boolean,
    private readonly options: { unit?: 'items' | 'bytes' } = {},
  ) {
    this.enabled = wanted && process.stderr.isTTY === true && total > 1;
  }

  /** `detail` is shown after the counts (retransmits, current layer). */
  update(done: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawn < 100 && done < this.total) return;
    this.lastDrawn = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const elapsed = (now - this.startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const counts = this.options.unit === 'bytes' ? `${formatBytes(done)}/${formatBytes(this.total)} ${formatBytes(done / Math.max(elapsed, 1e-3))}/s` : `${done}/${this.total}`;
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts} ETA ${eta.toFixed(1)} s ${detail}\x1b[K`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}

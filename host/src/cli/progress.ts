// A one-line progress indicator on stderr for long runs; silent when stderr is not a terminal or under --json.
export class ProgressLine {
  private lastDrawn = 0;
  private readonly enabled: boolean;
  private readonly startedAt = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    wanted: boolean,
  ) {
    this.enabled = wanted && process.stderr.isTTY === true && total > 1;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawn < 100 && done < this.total) return;
    this.lastDrawn = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const elapsed = (now - this.startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ETA ${eta.toFixed(1)} s `);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}

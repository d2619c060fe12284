// A long-running `rtinfer` command (`daemon`, `sim start --bench`) run as a user
// runs it (the built CLI, a child process), with its NDJSON log (--json) read
// line by line so tests can wait for what it reports.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repositoryRoot } from 'rtinfer';

export type DaemonEvent = Record<string, unknown> & { event: string };

export class DaemonProcess {
  readonly events: DaemonEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as DaemonEvent);
      } catch {
        return; // not an event line
      }
      for (const wake of this.waiters) wake();
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    void this.exited.then(() => {
      for (const wake of this.waiters) wake();
    });
  }

  /** Starts `rtinfer <args…> --json` and waits (bounded) for its `started` event. */
  static async start(args: string[], timeoutMs = 15_000): Promise<DaemonProcess> {
    const child = spawn(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const daemon = new DaemonProcess(child);
    await daemon.waitFor((event) => event.event === 'started', timeoutMs, 'its started event');
    return daemon;
  }

  /** The first event (from the start) that matches; fails with what was seen after `timeoutMs`. */
  waitFor(match: (event: DaemonEvent) => boolean, timeoutMs: number, what: string, from = 0): Promise<DaemonEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(from).find(match);
        if (found) return finish(() => resolve(found));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(() => reject(new Error(`the daemon exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}; stderr: ${this.stderr.trim()}; events: ${JSON.stringify(this.events)}`)));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr.trim()}`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The latest state the daemon logged for a device. */
  deviceState(device: string): string | undefined {
    return this.events.filter((event) => event.event === 'device' && event.device === device).at(-1)?.state as string | undefined;
  }

  /** SIGTERM (the daemon marks its bench offline and exits), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** The signal that ended it, if one did (a stop() that answers null: killed, by its SIGKILL or by someone else). */
  get exitSignal(): NodeJS.Signals | null {
    return this.child.signalCode;
  }

  /** Everything it wrote on stderr so far. */
  get stderrText(): string {
    return this.stderr;
  }

  /** The `started` event. */
  get started(): DaemonEvent {
    return this.events.find((event) => event.event === 'started')!;
  }
}

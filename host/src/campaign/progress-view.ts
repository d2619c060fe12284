// The campaign's progress: what step of how many runs, what it did, retries and failures. Piped (or a log), one line
// per event; on a terminal the running step is one line redrawn in place (its seconds ticking), which becomes the
// step's outcome when it ends; retries, failures and the interruption stay as lines above it.
import type { ProgressEvent } from './runner.js';
import type { CampaignSummary } from './report.js';

const counter = (index: number, total: number) => `[${String(index).padStart(String(total).length)}/${total}]`;

export function describeProgress(event: ProgressEvent): string {
  switch (event.kind) {
    case 'step':
      return `${counter(event.index, event.total)} ${event.step}: ${event.what}`;
    case 'skipped':
      return `${counter(event.index, event.total)} ${event.step}: skipped, ${event.why}`;
    case 'done': {
      const facts = event.facts;
      const detail = 'jobs' in facts ? `${facts.jobs} jobs, ${facts.misses} misses, ${facts.worldSwitches} world switches, rel. L2 ${Number(facts.relativeL2).toExponential(1)}${facts.pushed ? ', model pushed' : ''}; assertions ${facts.passed ? 'pass' : 'FAIL'}` : `${facts.bytes} bytes`;
      return `        done in ${event.seconds.toFixed(1)} s: ${detail}`;
    }
    case 'retry':
      return `        ${event.code}: ${event.message}; attempt ${event.attempt + 1} in ${event.delayMs} ms`;
    case 'failed':
      return `        FAILED after ${event.failure.attempts} attempt(s): ${event.failure.code}: ${event.failure.message}`;
    case 'interrupted':
      return `interrupted${event.step ? ` during ${event.step}` : ''}: the steps done are kept`;
  }
}

export function describeSummary(summary: CampaignSummary, dir: string): string[] {
  const lines = [`campaign ${summary.campaign}: ${summary.passed ? 'PASSED' : 'FAILED'}, ${summary.tests - summary.failures} of ${summary.tests} test cases pass`];
  for (const verdict of summary.runs) {
    if (verdict.failure) lines.push(`  ${verdict.key}: did not complete: ${verdict.failure.code}: ${verdict.failure.message}`);
    for (const outcome of verdict.assertions) if (!outcome.passed && !verdict.failure) lines.push(`  ${verdict.key}: FAILED ${outcome.assertion}: ${outcome.message}`);
  }
  for (const outcome of summary.checks) if (!outcome.passed) lines.push(`  FAILED ${outcome.assertion}: ${outcome.message}`);
  lines.push(`run folder  ${dir}: report.html, junit.xml, summary.json, traces/`);
  return lines;
}

/** The running step's line: what it does and for how long it has. */
export function renderRunning(step: Extract<ProgressEvent, { kind: 'step' }>, seconds: number): string {
  return `${describeProgress(step)} … ${seconds.toFixed(0)} s`;
}

/** A finished step in one line: the step and its outcome (describeProgress's two lines, joined). */
export function renderFinished(step: Extract<ProgressEvent, { kind: 'step' }>, outcome: Extract<ProgressEvent, { kind: 'done' }>): string {
  return `${describeProgress(step)}: ${describeProgress(outcome).trimStart()}`;
}

const CLEAR_LINE = '\r\x1b[K';

/** Writes the events as they come: lines when `tty` is false, the running step redrawn in place when true. */
export class ProgressView {
  private running: { step: Extract<ProgressEvent, { kind: 'step' }>; since: number } | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: { tty: boolean; now?: () => number; tickMs?: number },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  event(event: ProgressEvent): void {
    if (!this.options.tty) return this.write(`${describeProgress(event)}\n`);
    const running = this.running;
    if (event.kind === 'step') {
      this.running = { step: event, since: this.now() };
      this.tick();
      this.ticker ??= setInterval(() => this.tick(), this.options.tickMs ?? 1000).unref();
      return;
    }
    if (event.kind === 'done' && running && running.step.step === event.step) {
      this.stopRunning();
      return this.write(`${CLEAR_LINE}${renderFinished(running.step, event)}\n`);
    }
    // Anything else is kept as lines: the running step (if any) above it, then drawn again below.
    if (event.kind === 'failed' || event.kind === 'interrupted') this.stopRunning();
    this.write(`${CLEAR_LINE}${running ? `${describeProgress(running.step)}\n` : ''}${describeProgress(event)}\n`);
    this.tick();
  }

  /** Draws the running step again with its seconds so far. */
  tick(): void {
    if (this.running) this.write(`${CLEAR_LINE}${renderRunning(this.running.step, (this.now() - this.running.since) / 1000)}`);
  }

  private stopRunning(): void {
    this.running = undefined;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Before the summary: the ticker stopped, the line left clean. */
  close(): void {
    const drawn = this.running !== undefined;
    this.stopRunning();
    if (drawn) this.write(CLEAR_LINE);
  }
}

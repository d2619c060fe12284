// The campaign's progress view: piped, the lines the CLI has always printed; on a terminal, the running step redrawn in
// place (checked on what a terminal would show: \r returns, ESC[K clears to the line's end, \n moves down).
import { describe, expect, it } from 'vitest';
import { ProgressView, renderFinished, renderRunning } from './progress-view.js';
import type { ProgressEvent } from './runner.js';

/** What a terminal shows after `text`: the lines, the cursor's line last (possibly partly drawn). */
function screen(text: string): string[] {
  const lines = [''];
  let column = 0;
  for (let at = 0; at < text.length; at++) {
    const row = lines.length - 1;
    if (text.startsWith('\x1b[K', at)) {
      lines[row] = lines[row]!.slice(0, column);
      at += 2;
    } else if (text[at] === '\r') column = 0;
    else if (text[at] === '\n') {
      lines.push('');
      column = 0;
    } else {
      lines[row] = lines[row]!.slice(0, column) + text[at] + lines[row]!.slice(column + 1);
      column++;
    }
  }
  return lines;
}

const step: Extract<ProgressEvent, { kind: 'step' }> = { kind: 'step', index: 3, total: 8, step: 'run:dense-np2-r1', what: 'dense on np2 for 500 ms' };
const done: Extract<ProgressEvent, { kind: 'done' }> = { kind: 'done', step: 'run:dense-np2-r1', seconds: 4.5, facts: { jobs: 15, misses: 0, worldSwitches: 0, relativeL2: 8.4e-8, pushed: true, passed: true } };
const retry: ProgressEvent = { kind: 'retry', step: 'run:dense-np2-r1', attempt: 1, delayMs: 245, code: 'timeout', message: 'did not answer PING' };

function view(tty: boolean) {
  let text = '';
  let clock = 1000;
  const progress = new ProgressView((chunk) => (text += chunk), { tty, now: () => clock, tickMs: 60_000 });
  return { progress, advance: (ms: number) => (clock += ms), get text() { return text; } };
}

describe('the campaign progress view', () => {
  it('piped: one line per event, as before', () => {
    const piped = view(false);
    for (const event of [step, retry, done]) piped.progress.event(event);
    expect(piped.text.split('\n')).toEqual([
      '[3/8] run:dense-np2-r1: dense on np2 for 500 ms',
      '        timeout: did not answer PING; attempt 2 in 245 ms',
      '        done in 4.5 s: 15 jobs, 0 misses, 0 world switches, rel. L2 8.4e-8, model pushed; assertions pass',
      '',
    ]);
    expect(piped.text).not.toContain('\r');
  });

  it('on a terminal: the running step is one line, redrawn with its seconds, then replaced by its outcome', () => {
    const tty = view(true);
    tty.progress.event(step);
    expect(screen(tty.text)).toEqual(['[3/8] run:dense-np2-r1: dense on np2 for 500 ms … 0 s']);
    tty.advance(2400);
    tty.progress.tick();
    expect(screen(tty.text)).toEqual([renderRunning(step, 2.4)]);
    expect(renderRunning(step, 2.4)).toMatch(/… 2 s$/);
    tty.progress.event(done);
    expect(screen(tty.text)).toEqual([renderFinished(step, done), '']);
    expect(renderFinished(step, done)).toBe('[3/8] run:dense-np2-r1: dense on np2 for 500 ms: done in 4.5 s: 15 jobs, 0 misses, 0 world switches, rel. L2 8.4e-8, model pushed; assertions pass');
    // Nothing ticks after the step ended.
    tty.advance(5000);
    tty.progress.tick();
    expect(screen(tty.text)).toEqual([renderFinished(step, done), '']);
  });

  it('on a terminal: a retry stays as a line under its step, the step drawn again below; a failure ends it', () => {
    const tty = view(true);
    tty.progress.event(step);
    tty.progress.event(retry);
    expect(screen(tty.text)).toEqual(['[3/8] run:dense-np2-r1: dense on np2 for 500 ms', '        timeout: did not answer PING; attempt 2 in 245 ms', renderRunning(step, 0)]);
    tty.progress.event({ kind: 'failed', step: step.step, failure: { code: 'timeout', message: 'did not answer PING', facts: {}, attempts: 3 } });
    expect(screen(tty.text).slice(2)).toEqual(['[3/8] run:dense-np2-r1: dense on np2 for 500 ms', '        FAILED after 3 attempt(s): timeout: did not answer PING', '']);
    tty.progress.tick();
    expect(screen(tty.text).at(-1)).toBe('');
  });

  it('on a terminal: close() leaves a clean line for the summary (Ctrl-C mid-step)', () => {
    const tty = view(true);
    tty.progress.event(step);
    tty.progress.close();
    expect(screen(tty.text)).toEqual(['']);
  });
});

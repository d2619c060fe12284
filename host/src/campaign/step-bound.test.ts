// A step that never finishes ends at its bound: typed error, its signal aborted, the link closed; a step that
// finishes is untouched; Ctrl-C (the parent signal) reaches the step's own signal.
import { describe, expect, it } from 'vitest';
import { StepBoundError, withinBound } from './step-bound.js';

const never = () => new Promise<never>(() => {});

describe('withinBound', () => {
  it('a step that hangs: rejected with step_bound and its facts, its signal aborted, onBound called once', async () => {
    let seen: AbortSignal | undefined;
    let closed = 0;
    const outcome = withinBound('run:x-r1', 20, new AbortController().signal, (signal) => ((seen = signal), never()), async () => void closed++);
    await expect(outcome).rejects.toBeInstanceOf(StepBoundError);
    await expect(outcome).rejects.toMatchObject({ code: 'step_bound', facts: { step: 'run:x-r1', boundMs: 20 } });
    expect(seen!.aborted).toBe(true);
    expect(closed).toBe(1);
  });

  it('a step that finishes: its value, onBound never called', async () => {
    let closed = 0;
    await expect(withinBound('compress:m', 60_000, new AbortController().signal, async () => 42, async () => void closed++)).resolves.toBe(42);
    expect(closed).toBe(0);
  });

  it('the parent signal (Ctrl-C) aborts the step\'s own signal', async () => {
    const parent = new AbortController();
    const outcome = withinBound('run:y-r1', 60_000, parent.signal, (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('stopped'))), async () => {});
    parent.abort();
    await expect(outcome).resolves.toBe('stopped');
  });
});

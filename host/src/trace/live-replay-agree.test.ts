// Live and replayed checks of one recording agree on every job. Live, the host
// clock reports a job overdue when its deadline's host time passes, but the
// trace arrives in batches (here flushed every 10 ms, as the firmware does), so
// the clock can fire while a batch carrying the job's on-time end is on its way.
// That provisional miss must be withdrawn when the end arrives.
import { concat, from, NEVER, takeUntil, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { collectVerdicts, deadlineCheck$, type VerdictSummary } from './deadline-check.js';
import { initialMonitorState, updateMonitor } from './monitor-view.js';
import { replay } from './recorded/replay.js';
import { referenceTaskset, synthesizePeriodicTrace } from './synthetic/periodic-trace.js';
import { testScheduler } from './test-support/marbles.js';
import { describeVerdicts, summaryCounts } from './verdict-report.js';
import type { Verdict } from './verdicts.js';

const ids = (summary: VerdictSummary) => summary.misses.map(({ task, job }) => `${task}/${job}`).sort();

describe('a recording checked live (paced, host clock) and replayed at once', () => {
  it('gives the same misses, job for job; the clock\'s early verdicts are retracted and said so', async () => {
    // Host time starts at 0, so that the TestScheduler's virtual ms are the host clock.
    const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 1_000_000, bootHostNs: 0n });
    const replayed = await collectVerdicts(deadlineCheck$(replay(trace.messages), trace.header.taskset));

    const live: Verdict[] = [];
    const scheduler = testScheduler();
    scheduler.run(() => {
      const endMs = Number(trace.messages.at(-1)!.rxNs / 1_000_000n) + 100;
      // A live link does not complete: it is cut after the last message.
      const live$ = concat(replay(trace.messages, { scheduler }), NEVER).pipe(takeUntil(timer(endMs, scheduler)));
      deadlineCheck$(live$, trace.header.taskset, { clock: scheduler }).subscribe((verdict) => live.push(verdict));
    });
    const liveSummary = await collectVerdicts(from(live));
    expect(ids(liveSummary)).toEqual(ids(replayed));

    // The scenario happens: the host clock called jobs overdue whose end was still in a batch on its way.
    const retracted = liveSummary.retracted;
    expect(retracted.length).toBeGreaterThan(0);
    const onTime = new Set(replayed.jobs.filter((job) => !job.exceededDeadline).map((job) => `${job.task}/${job.job}`));
    for (const item of retracted) expect(onTime.has(`${item.task}/${item.job}`)).toBe(true);
    // Every retraction follows the clock's miss of the same job.
    for (const item of retracted) {
      const missAt = live.findIndex((verdict) => verdict.kind === 'miss' && verdict.task === item.task && verdict.job === item.job && verdict.detectedBy === 'clock');
      expect(missAt).toBeGreaterThanOrEqual(0);
      expect(live.indexOf(item)).toBeGreaterThan(missAt);
    }
    expect(ids(replayed)).toEqual(trace.expected.misses.map(({ task, job }) => `${task}/${job}`).sort());
    expect(replayed.retracted).toEqual([]);

    // The live monitor's totals and the text report say the same.
    const monitor = live.reduce(updateMonitor, initialMonitorState());
    for (const { task } of trace.header.taskset.tasks) expect(monitor.totals.get(task)?.misses ?? 0).toBe(replayed.misses.filter((miss) => miss.task === task).length);
    expect(monitor.recentMisses.every((miss) => ids(replayed).includes(`${miss.task}/${miss.job}`))).toBe(true);
    expect(describeVerdicts(liveSummary, trace.header.taskset)).toContain(`retracted   ${retracted.length} overdue by the host clock, not misses: ${retracted.length} ended on time (the trace came later), 0 stopped before the deadline`);
    expect(summaryCounts(liveSummary)).toMatchObject({ misses: replayed.misses.length, retracted: retracted.length });
  });

  it('a run stopped with a job pending: unfinished both ways; the clock\'s verdict on it, past the stop, is retracted', async () => {
    const full = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 1_000_000, bootHostNs: 0n });
    // The device stops at 115 ms (what it traced by then arrived), during the detector's job 2 (deadline 150 ms); its
    // STOP reply reaches the host 60 ms later, after the host clock passed that deadline.
    const stopUs = 115_000;
    const stopTicks = BigInt(Math.round((stopUs * full.header.device.clockHz) / 1e6));
    const messages = full.messages.filter((received) => received.message.type !== 'STOP' && (received.message.type !== 'TRACE' || received.rxNs < BigInt(stopUs) * 1000n));
    const stop = full.messages.find((received) => received.message.type === 'STOP')!;
    messages.push({ rxNs: BigInt(stopUs + 60_000) * 1000n, message: { ...stop.message, body: { ...(stop.message.body as object), ticks: stopTicks } } as typeof stop.message });
    messages.sort((a, b) => (a.rxNs < b.rxNs ? -1 : a.rxNs > b.rxNs ? 1 : 0));
    const replayed = await collectVerdicts(deadlineCheck$(replay(messages), full.header.taskset));

    const live: Verdict[] = [];
    const scheduler = testScheduler();
    scheduler.run(() => {
      const live$ = concat(replay(messages, { scheduler }), NEVER).pipe(takeUntil(timer(stopUs / 1000 + 100, scheduler)));
      deadlineCheck$(live$, full.header.taskset, { clock: scheduler }).subscribe((verdict) => live.push(verdict));
    });
    const liveSummary = await collectVerdicts(from(live));
    expect(ids(liveSummary)).toEqual(ids(replayed));
    expect(replayed.unfinished.map(({ task, job }) => `${task}/${job}`)).toEqual(['2/2']);
    expect(liveSummary.retracted).toEqual([expect.objectContaining({ task: 2, job: 2, reason: 'stopped_before_deadline', deadlineUs: expect.closeTo(150_000, 0), endUs: expect.closeTo(stopUs, 0) })]);
    expect(live.some((verdict) => verdict.kind === 'miss' && verdict.task === 2 && verdict.job === 2 && verdict.detectedBy === 'clock')).toBe(true);
  });
});

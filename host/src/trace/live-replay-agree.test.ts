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
    expect(describeVerdicts(liveSummary, trace.header.taskset)).toContain(`retracted   ${retracted.length} overdue by the host clock, then the trace showed them ending on time (not counted as misses)`);
    expect(summaryCounts(liveSummary)).toMatchObject({ misses: replayed.misses.length, retracted: retracted.length });
  });
});

import { filter } from 'rxjs';
import { describe, it } from 'vitest';
import { deviceEvent, type TraceItem } from '../events.js';
import type { TasksetSpec } from '../spec.js';
import { ev, testScheduler } from '../test-support/marbles.js';
import { checkDeadlines } from './check-deadlines.js';
import { toJobs } from './to-jobs.js';

const verdictsOnly = filter((item: { kind: string }) => ['miss', 'budget_overrun', 'unfinished', 'unknown_task'].includes(item.kind));

const spec: TasksetSpec = {
  tasks: [
    { task: 0, periodUs: 200, deadlineUs: 100, budgetUs: 30 },
    { task: 1, periodUs: 2000, deadlineUs: 1000 },
  ],
};

describe('checkDeadlines', () => {
  it('reports a job that never ends as overdue when a later event passes its deadline, not at its end', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a b c d 9ms e 9ms f 9ms g 9ms |', {
        a: ev('job_release', 0, 1, 0),
        b: ev('job_start', 0, 1, 0),
        c: ev('world_enter', 0, 1, 2, 1),
        d: ev('job_release', 1, 1, 50),
        e: ev('job_release', 0, 2, 200), // time passes job 1's deadline (100): report now
        f: ev('job_end', 0, 1, 400), // the end, long after: no second report; job 2 is now overdue too
        g: ev('job_start', 1, 1, 400),
      });
      expectObservable(source.pipe(toJobs({ spec }), checkDeadlines(spec), verdictsOnly)).toBe('---- 9ms m 9ms (no) 16ms (uv|)', {
        m: {
          kind: 'miss',
          task: 0,
          job: 1,
          releaseUs: 0,
          deadlineUs: 100,
          endUs: undefined,
          latenessUs: 100,
          overdue: true,
          detectedBy: 'trace',
          detectedAtUs: 200,
          ranInstead: [],
          runningAtDetection: undefined,
          worldSwitches: 1,
          deviceReported: false,
          traceLost: false,
        },
        n: {
          kind: 'miss',
          task: 0,
          job: 2,
          releaseUs: 200,
          deadlineUs: 300,
          endUs: undefined,
          latenessUs: 100,
          overdue: true,
          detectedBy: 'trace',
          detectedAtUs: 400,
          ranInstead: [],
          runningAtDetection: { task: 0, job: 1 },
          worldSwitches: 0,
          deviceReported: false,
          traceLost: false,
        },
        // Its budget is still checked when it ends.
        o: { kind: 'budget_overrun', task: 0, job: 1, budgetUs: 30, executionUs: 400, excessUs: 370, releaseUs: 0, endUs: 400, deviceOverrunTicks: undefined },
        // Accounted for at the end: still running, or their ends were lost.
        u: { kind: 'unfinished', task: 1, job: 1, releaseUs: 50, deadlineUs: 1050 },
        v: { kind: 'unfinished', task: 0, job: 2, releaseUs: 200, deadlineUs: 300 },
      });
    });
  });

  it('reports an overdue job at its deadline by the host clock, while the trace is silent', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // Virtual ms are the host clock: hostUs = frame × 1000; the device clock is the same here.
      const source = cold<TraceItem>('a b 20ms c|', {
        a: deviceEvent('job_release', 0, 1, 0, 0, 0),
        b: deviceEvent('job_start', 0, 1, 1000, 0, 1000),
        c: deviceEvent('job_end', 0, 1, 22_000, 0, 22_000),
      });
      const tasks: TasksetSpec = { tasks: [{ task: 0, periodUs: 10_000, deadlineUs: 5000 }] };
      expectObservable(source.pipe(toJobs({ spec: tasks }), checkDeadlines(tasks, { clock: scheduler }), verdictsOnly)).toBe('-----m 16ms -|', {
        m: {
          kind: 'miss',
          task: 0,
          job: 1,
          releaseUs: 0,
          deadlineUs: 5000,
          endUs: undefined,
          latenessUs: 0,
          overdue: true,
          detectedBy: 'clock',
          detectedAtUs: 5000,
          ranInstead: [],
          runningAtDetection: undefined,
          worldSwitches: 0,
          deviceReported: false,
          traceLost: false,
        },
      });
    });
  });

  it('reports a late end with what ran instead, and a budget overrun', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('abcdefghi 9ms |', {
        a: ev('job_release', 1, 1, 0),
        b: ev('job_start', 1, 1, 0),
        c: ev('layer_start', 1, 1, 0, 0),
        d: ev('job_release', 0, 1, 10),
        e: ev('layer_end', 1, 1, 60, 0),
        f: ev('job_end', 1, 1, 60),
        g: ev('job_start', 0, 1, 60),
        h: ev('deadline_miss', 0, 1, 110, 10),
        i: ev('job_end', 0, 1, 120),
      });
      expectObservable(source.pipe(toJobs({ spec }), checkDeadlines(spec), verdictsOnly)).toBe('-------- (mo) 6ms |', {
        m: {
          kind: 'miss',
          task: 0,
          job: 1,
          releaseUs: 10,
          deadlineUs: 110,
          endUs: 120,
          latenessUs: 10,
          overdue: false,
          detectedBy: 'end',
          detectedAtUs: 120,
          ranInstead: [{ task: 1, job: 1, busyUs: 50, layers: [0] }],
          runningAtDetection: undefined,
          worldSwitches: 0,
          deviceReported: true,
          traceLost: false,
        },
        o: { kind: 'budget_overrun', task: 0, job: 1, budgetUs: 30, executionUs: 60, excessUs: 30, releaseUs: 10, endUs: 120, deviceOverrunTicks: undefined },
      });
    });
  });

  it('names a task the task set does not define, once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a b 9ms |', { a: ev('job_release', 9, 1, 0), b: ev('job_release', 9, 2, 10) });
      expectObservable(source.pipe(toJobs({ spec }), checkDeadlines(spec), verdictsOnly)).toBe('u - 9ms (vw|)', {
        u: { kind: 'unknown_task', task: 9 },
        v: { kind: 'unfinished', task: 9, job: 1, releaseUs: 0, deadlineUs: undefined },
        w: { kind: 'unfinished', task: 9, job: 2, releaseUs: 10, deadlineUs: undefined },
      });
    });
  });
});

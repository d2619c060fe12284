import { filter } from 'rxjs';
import { describe, it } from 'vitest';
import { isDeviceEvent, type TraceItem } from '../events.js';
import { ev, jobRecord, testScheduler } from '../test-support/marbles.js';
import { toJobs } from './to-jobs.js';

// The operator passes every item through; these tests look at what it adds.
const added = filter((item: { kind: string }) => !isDeviceEvent(item));

describe('toJobs', () => {
  it('pairs release, start and end per (task, job), with fragments, preemptions, layers and world switches', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('abcdnoefghijklm|', {
        a: ev('job_release', 1, 1, 0),
        b: ev('job_start', 1, 1, 0),
        c: ev('layer_start', 1, 1, 0, 0),
        d: ev('world_enter', 1, 1, 1, 1),
        n: ev('slice_start', 1, 1, 1, 0),
        o: ev('slice_end', 1, 1, 9, 0),
        e: ev('world_exit', 1, 1, 9, 1),
        f: ev('layer_end', 1, 1, 10, 0),
        g: ev('job_release', 0, 5, 10),
        h: ev('job_start', 0, 5, 10),
        i: ev('job_end', 0, 5, 30),
        j: ev('layer_start', 1, 1, 30, 1),
        k: ev('layer_end', 1, 1, 40, 1),
        l: ev('job_end', 1, 1, 40),
        m: ev('job_end', 1, 1, 40), // a repeat
      });
      expectObservable(source.pipe(toJobs({ spec: { tasks: [{ task: 0, periodUs: 100, deadlineUs: 15 }] } }), added)).toBe('----------x--yz|', {
        x: jobRecord({ task: 0, job: 5, releaseUs: 10, startUs: 10, endUs: 30, responseUs: 20, executionUs: 20, fragments: [10, 30], deadlineUs: 25, latenessUs: 5, exceededDeadline: true }),
        y: jobRecord({
          task: 1,
          job: 1,
          releaseUs: 0,
          startUs: 0,
          endUs: 40,
          responseUs: 40,
          executionUs: 20,
          preemptions: 1,
          fragments: [0, 10, 30, 40],
          worldSwitches: 2,
          layers: [
            { layer: 0, startUs: 0, endUs: 10 },
            { layer: 1, startUs: 30, endUs: 40 },
          ],
          slices: [{ slice: 0, startUs: 1, endUs: 9 }],
        }),
        z: { kind: 'job_anomaly', anomaly: 'duplicate_end', task: 1, job: 1, atUs: 40 },
      });
    });
  });

  it('ignores and reports duplicate releases and starts', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('abcde|', {
        a: ev('job_release', 2, 7, 100),
        b: ev('job_release', 2, 7, 100),
        c: ev('job_start', 2, 7, 110),
        d: ev('job_start', 2, 7, 110),
        e: ev('job_end', 2, 7, 150),
      });
      expectObservable(source.pipe(toJobs(), added)).toBe('-x-yz|', {
        x: { kind: 'job_anomaly', anomaly: 'duplicate_release', task: 2, job: 7, atUs: 100 },
        y: { kind: 'job_anomaly', anomaly: 'duplicate_start', task: 2, job: 7, atUs: 110 },
        z: jobRecord({ task: 2, job: 7, releaseUs: 100, startUs: 110, endUs: 150, responseUs: 50, executionUs: 40, fragments: [110, 150] }),
      });
    });
  });

  it('keeps a job whose start was lost, with an unknown start, timed from its first layer; and one seen only by its end', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a b c d 9ms e 9ms |', {
        a: ev('job_release', 0, 3, 0),
        b: ev('layer_start', 0, 3, 5, 0),
        c: ev('layer_end', 0, 3, 15, 0),
        d: ev('job_end', 0, 3, 20),
        e: ev('job_end', 1, 9, 30),
      });
      expectObservable(source.pipe(toJobs(), added)).toBe('--- (sx) 6ms (lrt) 5ms |', {
        s: { kind: 'job_anomaly', anomaly: 'lost_start', task: 0, job: 3, atUs: 20 },
        x: jobRecord({ task: 0, job: 3, releaseUs: 0, endUs: 20, responseUs: 20, executionUs: 15, fragments: [5, 20], layers: [{ layer: 0, startUs: 5, endUs: 15 }] }),
        l: { kind: 'job_anomaly', anomaly: 'lost_release', task: 1, job: 9, atUs: 30 },
        r: { kind: 'job_anomaly', anomaly: 'lost_start', task: 1, job: 9, atUs: 30 },
        t: jobRecord({ task: 1, job: 9, endUs: 30 }),
      });
    });
  });

  it('gives up on a job whose end was lost once its task has too many unfinished jobs, and says so', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('abc 9ms |', {
        a: ev('job_release', 0, 1, 0),
        b: ev('job_release', 0, 2, 100),
        c: ev('job_release', 0, 3, 200),
      });
      expectObservable(source.pipe(toJobs({ maxPendingPerTask: 2 }), added)).toBe('--x 9ms (yz|)', {
        x: { kind: 'job_anomaly', anomaly: 'lost_end', task: 0, job: 1, atUs: 200 },
        // At the end, the jobs still open are accounted for.
        y: { kind: 'unfinished', task: 0, job: 2, releaseUs: 100, deadlineUs: undefined },
        z: { kind: 'unfinished', task: 0, job: 3, releaseUs: 200, deadlineUs: undefined },
      });
    });
  });

  it('names the jobs of which nothing arrived, from the gap in a task\'s job numbers', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a 9ms b 9ms c 9ms d 9ms |', {
        a: ev('job_release', 0, 1, 0),
        b: ev('job_end', 0, 1, 5),
        c: ev('job_release', 0, 4, 300),
        d: ev('job_release', 1, 0, 300), // another task numbers its own jobs
      });
      expectObservable(source.pipe(toJobs(), added)).toBe('- 9ms (ls) 6ms (xy) 16ms (uv|)', {
        l: { kind: 'job_anomaly', anomaly: 'lost_start', task: 0, job: 1, atUs: 5 },
        s: jobRecord({ task: 0, job: 1, releaseUs: 0, endUs: 5, responseUs: 5 }),
        x: { kind: 'job_anomaly', anomaly: 'lost_job', task: 0, job: 2, atUs: 300 },
        y: { kind: 'job_anomaly', anomaly: 'lost_job', task: 0, job: 3, atUs: 300 },
        u: { kind: 'unfinished', task: 0, job: 4, releaseUs: 300, deadlineUs: undefined },
        v: { kind: 'unfinished', task: 1, job: 0, releaseUs: 300, deadlineUs: undefined },
      });
    });
  });

  it('abandons the jobs in flight when the device resets', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a b 9ms |', {
        a: ev('job_release', 0, 1, 0),
        b: { kind: 'device_reset', reason: 'boot_id', previousBootId: 1, bootId: 2 },
      });
      expectObservable(source.pipe(toJobs(), added)).toBe('- (bx) 6ms |', {
        b: { kind: 'device_reset', reason: 'boot_id', previousBootId: 1, bootId: 2 },
        x: { kind: 'job_anomaly', anomaly: 'abandoned_at_reset', task: 0, job: 1, atUs: Number.NaN },
      });
    });
  });
});

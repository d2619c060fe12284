import { describe, it } from 'vitest';
import type { JobRecord } from '../jobs.js';
import { jobRecord, testScheduler } from '../test-support/marbles.js';
import { stats } from './stats.js';

const job = (task: number, job: number, releaseUs: number, startUs: number, endUs: number, exceededDeadline = false): JobRecord =>
  jobRecord({ task, job, releaseUs, startUs, endUs, responseUs: endUs - releaseUs, executionUs: endUs - startUs, fragments: [startUs, endUs], exceededDeadline });

describe('stats', () => {
  it('summarises each task per window of device time, with jitter, misses and CPU load', () => {
    const a = job(0, 1, 0, 0, 100);
    const b = job(0, 2, 400, 420, 500, true);
    const c = job(1, 1, 600, 700, 900);
    const d = job(0, 3, 1400, 1400, 1500);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcd 9ms |', { a, b, c, d }).pipe(stats(1000))).toBe('abc(wd) 6ms (v|)', {
        a,
        b,
        c,
        d,
        w: {
          kind: 'stats',
          fromUs: 0,
          toUs: 1000,
          cpuLoad: (100 + 80 + 200) / 1000,
          tasks: [
            {
              task: 0,
              count: 2,
              responseUs: { count: 2, min: 100, mean: 100, p50: 100, p99: 100, max: 100 },
              executionUs: { count: 2, min: 80, mean: 90, p50: 80, p99: 100, max: 100 },
              responseJitterUs: 0,
              startJitterUs: 20,
              misses: 1,
            },
            {
              task: 1,
              count: 1,
              responseUs: { count: 1, min: 300, mean: 300, p50: 300, p99: 300, max: 300 },
              executionUs: { count: 1, min: 200, mean: 200, p50: 200, p99: 200, max: 200 },
              responseJitterUs: 0,
              startJitterUs: 0,
              misses: 0,
            },
          ],
        },
        v: {
          kind: 'stats',
          fromUs: 1000,
          toUs: 2000,
          cpuLoad: 0.1,
          tasks: [
            {
              task: 0,
              count: 1,
              responseUs: { count: 1, min: 100, mean: 100, p50: 100, p99: 100, max: 100 },
              executionUs: { count: 1, min: 100, mean: 100, p50: 100, p99: 100, max: 100 },
              responseJitterUs: 0,
              startJitterUs: 0,
              misses: 0,
            },
          ],
        },
      });
    });
  });
});

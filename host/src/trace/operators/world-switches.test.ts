import { describe, it } from 'vitest';
import { ev, testScheduler } from '../test-support/marbles.js';
import { worldSwitches } from './world-switches.js';

describe('worldSwitches', () => {
  it('counts enclave entries and exits per window, by task and by job', () => {
    const a = ev('world_enter', 0, 1, 10, 1);
    const b = ev('world_exit', 0, 1, 20, 1);
    const c = ev('world_enter', 1, 4, 30, 2);
    const d = ev('job_end', 1, 4, 1200);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcd 9ms |', { a, b, c, d }).pipe(worldSwitches(1000))).toBe('abc(wd) 6ms (v|)', {
        a,
        b,
        c,
        d,
        w: {
          kind: 'world_switches',
          fromUs: 0,
          toUs: 1000,
          total: 3,
          byTask: [
            { task: 0, count: 2 },
            { task: 1, count: 1 },
          ],
          byJob: [
            { task: 0, job: 1, count: 2 },
            { task: 1, job: 4, count: 1 },
          ],
        },
        v: { kind: 'world_switches', fromUs: 1000, toUs: 2000, total: 0, byTask: [], byJob: [] },
      });
    });
  });
});

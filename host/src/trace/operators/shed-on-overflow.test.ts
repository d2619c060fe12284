import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Shed } from '../verdicts.js';
import { ev, testScheduler } from '../test-support/marbles.js';
import { shedOnOverflow } from './shed-on-overflow.js';

describe('shedOnOverflow', () => {
  it('sheds raw items beyond its capacity, keeps a miss, and reports the count in the stream', () => {
    const scheduler = testScheduler();
    const a = ev('job_start', 0, 1, 1);
    const b = ev('job_start', 0, 2, 2);
    const c = ev('job_start', 0, 3, 3);
    const miss = { kind: 'miss', task: 0, job: 9 };
    const e = ev('job_end', 0, 3, 5);
    scheduler.run(({ cold, expectObservable }) => {
      // A burst faster than the consumer, which runs once per scheduled drain.
      expectObservable(cold('(abcme|)', { a, b, c, m: miss, e }).pipe(shedOnOverflow({ capacity: 2, scheduler }))).toBe('(sabm|)', {
        s: { kind: 'shed', count: 2, byKind: { job_start: 1, job_end: 1 } },
        a,
        b,
        m: miss,
      });
    });
  });

  it('delivers everything, in order, when the consumer keeps up', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const values = { a: ev('job_start', 0, 1, 1), b: ev('job_end', 0, 1, 2), c: ev('job_start', 0, 2, 3) };
      expectObservable(cold('a-b-c|', values).pipe(shedOnOverflow({ capacity: 1, scheduler }))).toBe('a-b-c|', values);
    });
  });

  it('never loses an item without counting it: delivered + shed = sent', () => {
    const scheduler = testScheduler();
    let delivered = 0;
    let shed = 0;
    const burst = Array.from({ length: 1000 }, (_, index) => ev(index % 7 === 0 ? 'job_end' : 'layer_start', 0, index, index));
    scheduler.run(() => {
      from(burst)
        .pipe(shedOnOverflow({ capacity: 64, batch: 16, scheduler }))
        .subscribe((item) => {
          if (item.kind === 'shed') shed += (item as Shed).count;
          else delivered++;
        });
    });
    expect(shed).toBe(1000 - 64);
    expect(delivered + shed).toBe(1000);
  });
});

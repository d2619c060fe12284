import { describe, expect, it } from 'vitest';
import type { PingSample } from '../../device/clock-estimate.js';
import type { TraceItem } from '../events.js';
import { raw, testScheduler } from '../test-support/marbles.js';
import { alignClock } from './align-clock.js';

const U32 = 2 ** 32;
const MHZ = 1_000_000;

describe('alignClock', () => {
  it('extends a 32-bit counter that wraps, reports the wrap once, and keeps time monotonic', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a 9ms b 9ms c 9ms d 9ms |', {
        a: raw('job_release', 0, 1, U32 - 1000),
        b: raw('job_start', 0, 1, U32 - 10),
        c: raw('job_end', 0, 1, 5),
        d: raw('job_release', 0, 2, 100),
      });
      expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('a 9ms b 9ms (wc) 6ms d 9ms |', {
        a: { ...raw('job_release', 0, 1, U32 - 1000), atUs: U32 - 1000 },
        b: { ...raw('job_start', 0, 1, U32 - 10), atUs: U32 - 10 },
        w: { kind: 'clock_wrap', fromTicks: U32 - 10, toTicks: 5, extension: U32 },
        c: { ...raw('job_end', 0, 1, U32 + 5), atUs: U32 + 5 },
        d: { ...raw('job_release', 0, 2, U32 + 100), atUs: U32 + 100 },
      });
    });
  });

  it('tells a reset (ticks back near zero, or a new boot id) from a wrap and from ticks going backwards', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const hello = (bootId: number): TraceItem => ({ kind: 'hello', deviceId: 'sim-1', clockHz: MHZ, bootId });
      const source = cold<TraceItem>('h 9ms a 9ms b 9ms c 9ms d 9ms i 9ms e 9ms |', {
        h: hello(7),
        a: raw('job_release', 0, 1, 50_000_000),
        b: raw('job_release', 0, 2, 40_000_000), // 10 s back, far from zero: not a reset
        c: raw('job_release', 0, 3, 41_000_000),
        d: raw('job_release', 0, 1, 300), // near zero: the device restarted
        i: hello(8),
        e: raw('job_release', 0, 1, 500),
      });
      expectObservable(source.pipe(alignClock())).toBe('h 9ms a 9ms (xb) 6ms c 9ms (rd) 6ms (Ri) 6ms e 9ms |', {
        h: hello(7),
        a: { ...raw('job_release', 0, 1, 50_000_000), atUs: 50_000_000 },
        x: { kind: 'ticks_backwards', fromTicks: 50_000_000, toTicks: 40_000_000 },
        b: { ...raw('job_release', 0, 2, 40_000_000), atUs: 40_000_000 },
        c: { ...raw('job_release', 0, 3, 41_000_000), atUs: 41_000_000 },
        r: { kind: 'device_reset', reason: 'ticks_to_zero', fromTicks: 41_000_000, toTicks: 300 },
        d: { ...raw('job_release', 0, 1, 300), atUs: 300 },
        R: { kind: 'device_reset', reason: 'boot_id', previousBootId: 7, bootId: 8 },
        i: hello(8),
        e: { ...raw('job_release', 0, 1, 500), atUs: 500 },
      });
    });
  });

  describe('a release traced late (SPEC.md §4.6: nominal time, after the job that ran when it fell due)', () => {
    // 10 s after boot (T), task 0 job 1 runs T+1000…T+1600 µs; task 1's job 4 fell due at T+1200 µs, while it ran.
    const T = 10_000_000;
    const running = {
      s: raw('job_start', 0, 1, T + 1_000),
      l: raw('layer_end', 0, 1, T + 1_400, 3),
      e: raw('job_end', 0, 1, T + 1_600),
    };
    const aligned = (event: ReturnType<typeof raw>) => ({ ...event, atUs: event.ticks });

    it('is data: no clock anomaly, its own ticks, and time does not move back with it', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const values = { p: raw('job_end', 2, 0, T + 900), ...running, r: raw('job_release', 1, 4, T + 1_200), t: raw('job_start', 1, 4, T + 1_650), u: raw('layer_end', 1, 4, T + 1_700, 0) };
        const source = cold<TraceItem>('psler tu|', values);
        const out = Object.fromEntries(Object.entries(values).map(([key, event]) => [key, aligned(event)]));
        expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('psler tu|', out);
      });
    });

    it('still reports a release earlier than the events before the running job started', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const values = { p: raw('job_end', 2, 0, T + 900), ...running, r: raw('job_release', 1, 4, T + 850) };
        const source = cold<TraceItem>('psle(r|)', values);
        expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('psle(xr|)', {
          p: aligned(values.p),
          s: aligned(values.s),
          l: aligned(values.l),
          e: aligned(values.e),
          x: { kind: 'ticks_backwards', fromTicks: T + 1_600, toTicks: T + 850 },
          r: aligned(values.r),
        });
      });
    });

    it('still reports any other event that goes back', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const values = { p: raw('job_end', 2, 0, T + 900), ...running, r: raw('job_end', 1, 3, T + 1_200) };
        const source = cold<TraceItem>('psle(r|)', values);
        expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('psle(xr|)', {
          p: aligned(values.p),
          s: aligned(values.s),
          l: aligned(values.l),
          e: aligned(values.e),
          x: { kind: 'ticks_backwards', fromTicks: T + 1_600, toTicks: T + 1_200 },
          r: aligned(values.r),
        });
      });
    });

    it('before the first job_start, is bounded by the first event of the stream', () => {
      // A device stalled past 8 periods before its first job: task 0 lost a waiting job at T+5000, then task 1's
      // release of T+3000 follows; a release before the first event is still an anomaly.
      testScheduler().run(({ cold, expectObservable }) => {
        const values = { a: raw('job_release', 0, 0, T), m: raw('deadline_miss', 0, 0, T + 5_000, 5_000), r: raw('job_release', 1, 0, T + 3_000), b: raw('job_release', 1, 1, T - 1) };
        const source = cold<TraceItem>('amr(b|)', values);
        expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('amr(xb|)', {
          a: aligned(values.a),
          m: aligned(values.m),
          r: aligned(values.r),
          x: { kind: 'ticks_backwards', fromTicks: T + 5_000, toTicks: T - 1 },
          b: aligned(values.b),
        });
      });
    });

    it('does not hide a 32-bit wrap that a release is the first to show', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const source = cold<TraceItem>('abc(d|)', {
          a: raw('job_end', 0, 0, U32 - 3_000),
          b: raw('job_start', 0, 1, U32 - 2_000),
          c: raw('job_end', 0, 1, U32 - 10),
          d: raw('job_release', 1, 4, 40), // after the wrap: far below the floor, so not a late release
        });
        expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('abc(wd|)', {
          a: { ...raw('job_end', 0, 0, U32 - 3_000), atUs: U32 - 3_000 },
          b: { ...raw('job_start', 0, 1, U32 - 2_000), atUs: U32 - 2_000 },
          c: { ...raw('job_end', 0, 1, U32 - 10), atUs: U32 - 10 },
          w: { kind: 'clock_wrap', fromTicks: U32 - 10, toTicks: 40, extension: U32 },
          d: { ...raw('job_release', 1, 4, U32 + 40), atUs: U32 + 40 },
        });
      });
    });

    it('does not hide a reset that a release is the first to show', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const source = cold<TraceItem>('abc(d|)', {
          a: raw('job_end', 0, 0, 90_000_000),
          b: raw('job_start', 0, 1, 95_000_000),
          c: raw('job_end', 0, 1, 96_000_000),
          d: raw('job_release', 0, 0, 300_000), // the restarted device's first release
        });
        expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('abc(rd|)', {
          a: { ...raw('job_end', 0, 0, 90_000_000), atUs: 90_000_000 },
          b: { ...raw('job_start', 0, 1, 95_000_000), atUs: 95_000_000 },
          c: { ...raw('job_end', 0, 1, 96_000_000), atUs: 96_000_000 },
          r: { kind: 'device_reset', reason: 'ticks_to_zero', fromTicks: 96_000_000, toTicks: 300_000 },
          d: { ...raw('job_release', 0, 0, 300_000), atUs: 300_000 },
        });
      });
    });
  });

  it('maps device time to host time through offset and drift estimated from PING exchanges', () => {
    // The device clock runs 100 ppm fast and booted 1000 s before host time H0.
    const H0 = 1_700_000_000_000_000_000n;
    const deviceNsAt = (hostNs: bigint) => 1_000_000_000_000n + ((hostNs - H0) * 1_000_100n) / 1_000_000n;
    const ticksAt = (hostNs: bigint) => deviceNsAt(hostNs) / 1000n; // 1 MHz
    const samples: PingSample[] = [];
    for (let k = 0n; k < 10n; k++) {
      const t1 = H0 + k * 1_000_000_000n;
      samples.push({ t1, t2: ticksAt(t1 + 100_000n), t3: ticksAt(t1 + 100_000n), t4: t1 + 200_000n });
    }
    const eventHostNs = H0 + 20_000_000_000n; // 20 s on: 2 ms of drift if drift were ignored
    const eventTicks = Number(ticksAt(eventHostNs));
    testScheduler().run(({ cold, expectObservable }) => {
      const values: Record<string, TraceItem> = { e: raw('job_release', 1, 1, eventTicks) };
      samples.forEach((sample, index) => (values[String(index)] = { kind: 'clock_sample', sample }));
      const source = cold<TraceItem>('0123456789e|', values);
      expectObservable(source.pipe(alignClock({ clockHz: MHZ }))).toBe('----------e|', {
        e: { ...raw('job_release', 1, 1, eventTicks), atUs: eventTicks, hostUs: expect.closeTo(Number(eventHostNs / 1000n), -0.5) },
      });
    });
  });

  it('leaves host time unknown (NaN) before any PING exchange', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a|', { a: raw('job_end', 0, 0, 2_000) });
      expectObservable(source.pipe(alignClock({ clockHz: 2_000_000 }))).toBe('a|', { a: { ...raw('job_end', 0, 0, 2_000), atUs: 1_000 } });
    });
  });

  it('fails with a typed error when events come before any clock rate is known', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<TraceItem>('a|', { a: raw('job_release', 3, 1, 100) });
      expectObservable(source.pipe(alignClock())).toBe('#', undefined, expect.objectContaining({ code: 'no_clock_rate', facts: { task: 3, job: 1, ticks: 100 } }));
    });
  });
});

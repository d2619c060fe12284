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

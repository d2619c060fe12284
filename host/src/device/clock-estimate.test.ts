import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateClock, MAX_OSCILLATOR_DRIFT_PPM, percentile, type PingSample, roundTripStatistics } from './clock-estimate.js';

/** Exchanges against a device whose clock runs at clockHz·(1+drift) and started `offsetNs` after the host clock's zero. */
function simulate(options: { offsetNs: number; driftPpm: number; clockHz: number; count: number; delays: (i: number) => [number, number]; gapNs?: number }): PingSample[] {
  const deviceTicks = (hostNs: number) => BigInt(Math.round(((hostNs + options.offsetNs) * (1 + options.driftPpm / 1e6) * options.clockHz) / 1e9));
  const samples: PingSample[] = [];
  let host = 5e12; // host clock in ns, well away from zero
  for (let i = 0; i < options.count; i++) {
    const [up, down] = options.delays(i);
    const t1 = host;
    const t2 = deviceTicks(t1 + up);
    const t3 = deviceTicks(t1 + up + 20_000);
    const t4 = t1 + up + 20_000 + down;
    samples.push({ t1: BigInt(t1), t2, t3, t4: BigInt(t4) });
    host = t4 + (options.gapNs ?? 1_000_000);
  }
  return samples;
}

describe('estimateClock', () => {
  it('recovers offset and drift from symmetric exchanges', () => {
    const samples = simulate({ offsetNs: -3e12, driftPpm: 25, clockHz: 216e6, count: 400, delays: () => [60_000, 60_000], gapNs: 5_000_000 });
    const clock = estimateClock(samples, 216e6)!;
    // Device minus host at host time h is (h + offset)(1 + drift) − h.
    const at = Number(clock.atHostNs);
    const expectedOffset = (at - 3e12) * (1 + 25e-6) - at;
    expect(clock.offsetNs).toBeCloseTo(expectedOffset, -2);
    expect(clock.driftPpm).toBeCloseTo(25, 0);
    expect(clock.driftStandardErrorPpm).toBeLessThan(1);
  });

  it('states how uncertain the drift is when the exchanges are noisy', () => {
    const samples = simulate({ offsetNs: 0, driftPpm: 0, clockHz: 1e9, count: 50, delays: (i) => [50_000 + ((i * 7919) % 40_000), 50_000 + ((i * 104_729) % 40_000)], gapNs: 50_000_000 });
    const clock = estimateClock(samples, 1e9)!;
    // Tens of µs of jitter over a 2.5 s series: the drift is only known to some ppm.
    expect(clock.driftStandardErrorPpm).toBeGreaterThan(1);
    expect(Math.abs(clock.driftPpm)).toBeLessThan(4 * clock.driftStandardErrorPpm);
  });

  it('trusts the tightest exchanges when queueing makes the rest asymmetric', () => {
    const samples = simulate({
      offsetNs: 1e9,
      driftPpm: 0,
      clockHz: 1e9,
      count: 200,
      // One exchange in ten is clean; the others were held up on the way back by up to 5 ms.
      delays: (i) => (i % 10 === 0 ? [50_000, 50_000] : [50_000, 50_000 + ((i * 7919) % 5_000_000)]),
    });
    const clock = estimateClock(samples, 1e9)!;
    expect(Math.abs(clock.offsetNs - 1e9)).toBeLessThanOrEqual(clock.uncertaintyNs);
    expect(clock.uncertaintyNs).toBeCloseTo(50_000, -2);
    expect(clock.tracksHost).toBe(true); // asymmetric queueing is not a virtual clock
  });

  it('never misplaces the offset by more than its stated uncertainty', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.array(fc.tuple(fc.integer({ min: 1000, max: 5e6 }), fc.integer({ min: 1000, max: 5e6 })), { minLength: 1, maxLength: 30 }),
        (offsetNs, delays) => {
          const samples = simulate({ offsetNs, driftPpm: 0, clockHz: 1e9, count: delays.length, delays: (i) => delays[i]! });
          const clock = estimateClock(samples, 1e9)!;
          expect(Math.abs(clock.offsetNs - offsetNs)).toBeLessThanOrEqual(clock.uncertaintyNs + 1);
          expect(clock.tracksHost).toBe(true);
        },
      ),
    );
  });

  it('reports no drift from a series too short for it to mean anything', () => {
    const short = simulate({ offsetNs: 0, driftPpm: 100, clockHz: 1e9, count: 50, delays: () => [1000, 1000] });
    const clock = estimateClock(short.slice(0, 20), 1e9)!; // 20 exchanges ~1 ms apart: 20 ms
    expect(clock.driftPpm).toBeNaN();
    expect(clock.driftSpanNs).toBeLessThan(1e9);
  });

  it('copes with a device clock that runs slower than the host and stalls (sim --clock cpu on a loaded host)', () => {
    // Between exchanges 20 ms apart on the host, the device clock counted only the 2 to 14 ms the host let
    // the sim run: about 0.4 of the host's rate over 200 exchanges (4 s), and unevenly.
    const samples: PingSample[] = [];
    let host = 7e12;
    let device = 0;
    for (let i = 0; i < 200; i++) {
      const t2 = device + 40_000;
      samples.push({ t1: BigInt(host), t2: BigInt(t2), t3: BigInt(t2 + 20_000), t4: BigInt(host + 100_000) });
      host += 20_000_000;
      device += 2_000_000 + ((i * 7919) % 12_000_000);
    }
    const clock = estimateClock(samples, 1e9)!;
    expect(clock.driftPpm).toBeLessThan(-MAX_OSCILLATOR_DRIFT_PPM);
    expect(clock.driftPpm).toBeGreaterThan(-1e6); // slower, never backwards
    expect(clock.tracksHost).toBe(false);
    expect(Number.isFinite(clock.offsetNs) && Number.isFinite(clock.uncertaintyNs)).toBe(true);
  });

  it('takes any oscillator drift, crystal or RC, as tracking the host, and an unknown drift too', () => {
    for (const driftPpm of [-40_000, -100, 0, 25, 40_000]) {
      const samples = simulate({ offsetNs: 0, driftPpm, clockHz: 1e9, count: 200, delays: () => [50_000, 50_000], gapNs: 20_000_000 });
      const clock = estimateClock(samples, 1e9)!;
      expect(clock.driftPpm).toBeCloseTo(driftPpm, -1);
      expect(clock.tracksHost).toBe(true);
    }
    const short = simulate({ offsetNs: 0, driftPpm: 20_000, clockHz: 1e9, count: 10, delays: () => [1000, 1000] });
    expect(estimateClock(short, 1e9)!).toMatchObject({ driftPpm: Number.NaN, tracksHost: true });
  });

  it('tells a virtual clock within the first second, before any drift can be estimated', () => {
    // 10 exchanges 20 ms apart (0.2 s): the device clock fell 30 ms behind, which no oscillator does in 0.2 s.
    const samples = simulate({ offsetNs: 0, driftPpm: -150_000, clockHz: 1e9, count: 10, delays: () => [50_000, 50_000], gapNs: 20_000_000 });
    expect(estimateClock(samples, 1e9)!).toMatchObject({ driftPpm: Number.NaN, tracksHost: false });
  });

  it('says nothing without samples and gives no drift from two', () => {
    expect(estimateClock([], 1e9)).toBeUndefined();
    const two = simulate({ offsetNs: 0, driftPpm: 0, clockHz: 1e9, count: 2, delays: () => [1000, 1000] });
    expect(estimateClock(two, 1e9)!.driftPpm).toBeNaN();
  });
});

describe('roundTripStatistics', () => {
  it('gives nearest-rank percentiles in microseconds', () => {
    const samples = Array.from({ length: 100 }, (_, i): PingSample => ({ t1: 0n, t2: 0n, t3: 0n, t4: BigInt((i + 1) * 1000) }));
    expect(roundTripStatistics(samples)).toEqual({ count: 100, minUs: 1, medianUs: 50, p99Us: 99, maxUs: 100, meanUs: 50.5 });
    expect(percentile([], 0.5)).toBeNaN();
  });
});

// Clock sync from PING exchanges (SPEC.md §4.2): NTP-style offset and round
// trip per exchange, the offset from the tightest exchanges, and drift as the
// least-squares slope of offset against host time over those exchanges.
//
// Not every device clock is an oscillator. The sim's `--clock cpu` counts only
// the time the sim ran (or waited, up to what it asked for), so on a loaded host
// it runs slower than the host's clock, by however much the host held it up;
// QEMU's -icount counts instructions. Such a clock has a drift no crystal or RC
// oscillator has (beyond MAX_OSCILLATOR_DRIFT_PPM), and it does not keep that
// drift: a device time cannot be placed on the host's timeline from a fit.
// `tracksHost` says so; the offset, round trips and drift stay what was measured.
// It needs no long series: each exchange brackets the true offset to ±δ/2, so
// two exchanges further apart than an oscillator could drift in the time between
// them prove the clock is not one, within the first second of a run.

export interface PingSample {
  /** Host clock at send and at receipt, ns. */
  t1: bigint;
  t4: bigint;
  /** Device ticks at request receipt and reply. */
  t2: bigint;
  t3: bigint;
}

export interface ClockEstimate {
  clockHz: number;
  /** Device time minus host time, in ns (device ticks → ns), at host time `atHostNs`. */
  offsetNs: number;
  /** Host clock (ns) at which `offsetNs` holds: the middle of the tightest exchange. Apart from it, add drift. */
  atHostNs: bigint;
  /** The offset is exact to ± this (half the reference exchange's round trip). */
  uncertaintyNs: number;
  /** Device clock rate error against the host clock, in parts per million (NaN with too few samples). */
  driftPpm: number;
  /** Standard error of `driftPpm`: a short series of noisy exchanges cannot tell small drifts apart. */
  driftStandardErrorPpm: number;
  /** Host time the exchanges used for drift span, ns. Drift is NaN below MIN_DRIFT_SPAN_NS. */
  driftSpanNs: number;
  /**
   * Whether the device clock keeps the host's pace as an oscillator does: false when the drift is beyond
   * MAX_OSCILLATOR_DRIFT_PPM, or when two exchanges' offsets differ by more than such a drift and their
   * round trips allow (a virtual clock: the sim's --clock cpu on a loaded host, QEMU -icount). Then device
   * times must not be mapped to host times (no host-clock deadline watch).
   */
  tracksHost: boolean;
  samplesUsed: number;
}

export interface RoundTripStatistics {
  count: number;
  minUs: number;
  medianUs: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function roundTripStatistics(samples: readonly PingSample[]): RoundTripStatistics {
  const rtts = samples.map((sample) => Number(sample.t4 - sample.t1) / 1000).sort((a, b) => a - b);
  return {
    count: rtts.length,
    minUs: rtts[0] ?? Number.NaN,
    medianUs: percentile(rtts, 0.5),
    p99Us: percentile(rtts, 0.99),
    maxUs: rtts[rtts.length - 1] ?? Number.NaN,
    meanUs: rtts.reduce((sum, value) => sum + value, 0) / Math.max(1, rtts.length),
  };
}

interface Exchange {
  /** Host time at the middle of the exchange, relative to the first sample's t1. */
  hostNs: number;
  offsetNs: number;
  delayNs: number;
}

function exchange(sample: PingSample, clockHz: number, origin: PingSample): Exchange {
  // Work relative to the first sample so the doubles keep ns precision.
  const toNs = (ticks: bigint) => (Number(ticks - origin.t2) * 1e9) / clockHz;
  const t1 = Number(sample.t1 - origin.t1);
  const t4 = Number(sample.t4 - origin.t1);
  const t2 = toNs(sample.t2);
  const t3 = toNs(sample.t3);
  return { hostNs: (t1 + t4) / 2, offsetNs: (t2 - t1 + (t3 - t4)) / 2, delayNs: t4 - t1 - (t3 - t2) };
}

/**
 * Estimates offset and drift. The offset is relative: device time 0 is the first
 * sample's t2, host time 0 its t1; `offsetNs` says where the device clock sits
 * against the host clock at the tightest exchange.
 */
export function estimateClock(samples: readonly PingSample[], clockHz: number): ClockEstimate | undefined {
  const origin = samples[0];
  if (!origin) return undefined;
  const exchanges = samples.map((sample) => exchange(sample, clockHz, origin));
  const byDelay = [...exchanges].sort((a, b) => a.delayNs - b.delayNs);
  const best = byDelay[0]!;
  // The tighter half of the exchanges carries the least queueing noise.
  const tight = byDelay.slice(0, Math.max(2, Math.ceil(byDelay.length / 2)));
  return {
    clockHz,
    offsetNs: best.offsetNs + originOffsetNs(origin, clockHz),
    atHostNs: origin.t1 + BigInt(Math.round(best.hostNs)),
    uncertaintyNs: best.delayNs / 2,
    ...withTracking(drift(tight), exchanges, best),
    samplesUsed: tight.length,
  };
}

/**
 * The largest drift a device clock may have and still be an oscillator: crystals are within ±100 ppm, an
 * STM32's internal RC oscillator within a few percent over temperature. 5%.
 */
export const MAX_OSCILLATOR_DRIFT_PPM = 50_000;

function withTracking<T extends { driftPpm: number }>(estimate: T, exchanges: readonly Exchange[], best: Exchange): T & { tracksHost: boolean } {
  const driftFits = Number.isNaN(estimate.driftPpm) || Math.abs(estimate.driftPpm) <= MAX_OSCILLATOR_DRIFT_PPM;
  return { ...estimate, tracksHost: driftFits && offsetsFitAnOscillator(exchanges, best) };
}

/** Every exchange's offset within what an oscillator could have drifted from the reference's, round trips allowing. */
function offsetsFitAnOscillator(exchanges: readonly Exchange[], best: Exchange): boolean {
  const rate = MAX_OSCILLATOR_DRIFT_PPM * 1e-6;
  return exchanges.every((e) => Math.abs(e.offsetNs - best.offsetNs) <= rate * Math.abs(e.hostNs - best.hostNs) + (e.delayNs + best.delayNs) / 2);
}

function originOffsetNs(origin: PingSample, clockHz: number): number {
  // In bigint: both clocks can be far beyond 2^53 ns.
  return Number((origin.t2 * 1_000_000_000n) / BigInt(clockHz) - origin.t1);
}

/**
 * Over a short series, warm-up and queueing trends in the round trips are not
 * independent noise and pass for drift; below this span drift is not reported.
 */
export const MIN_DRIFT_SPAN_NS = 1e9;

/** Least-squares slope of offset against host time, and its standard error, in ppm. */
function drift(points: readonly Exchange[]): { driftPpm: number; driftStandardErrorPpm: number; driftSpanNs: number } {
  const n = points.length;
  const times = points.map((p) => p.hostNs);
  const driftSpanNs = n ? Math.max(...times) - Math.min(...times) : 0;
  if (n < 3 || driftSpanNs < MIN_DRIFT_SPAN_NS) return { driftPpm: Number.NaN, driftStandardErrorPpm: Number.NaN, driftSpanNs };
  const meanX = points.reduce((sum, p) => sum + p.hostNs, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.offsetNs, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.hostNs - meanX) * (p.offsetNs - meanY);
    sxx += (p.hostNs - meanX) ** 2;
  }
  if (sxx === 0) return { driftPpm: Number.NaN, driftStandardErrorPpm: Number.NaN, driftSpanNs };
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const residuals = points.reduce((sum, p) => sum + (p.offsetNs - intercept - slope * p.hostNs) ** 2, 0);
  return { driftPpm: slope * 1e6, driftStandardErrorPpm: Math.sqrt(residuals / (n - 2) / sxx) * 1e6, driftSpanNs };
}

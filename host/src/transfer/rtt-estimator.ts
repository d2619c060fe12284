// Retransmission timeout from measured round trips, as TCP does it (RFC 6298):
// smoothed RTT and its variation, RTO = SRTT + 4·RTTVAR, clamped. Samples come
// only from chunks sent once (Karn's rule), so a retransmission cannot fake a
// short round trip.

export interface RttEstimatorOptions {
  minRtoMs?: number;
  maxRtoMs?: number;
}

export class RttEstimator {
  private smoothed: number | undefined;
  private variation = 0;
  private readonly minRtoMs: number;
  private readonly maxRtoMs: number;

  constructor(options: RttEstimatorOptions = {}) {
    // Linux's TCP_RTO_MIN, not RFC 6298's 1 s: selective and gap-fill ACKs recover losses mid-stream without a
    // timeout, so the floor only guards the tail against a loaded host pausing the device or this process.
    this.minRtoMs = options.minRtoMs ?? 200;
    // RFC 6298 §2.5: a ceiling, if any, of at least 60 s: on a slow line two chunks (one ACK) can take seconds.
    this.maxRtoMs = options.maxRtoMs ?? 60_000;
  }

  /** Starts from a known round trip: the first timeout is then 4× it (SRTT + 4·RTTVAR with RTTVAR = 3/4 of it). */
  seed(roundTripMs: number): void {
    this.smoothed = roundTripMs;
    this.variation = (roundTripMs * 3) / 4;
  }

  sample(roundTripMs: number): void {
    if (this.smoothed === undefined) {
      this.seed(roundTripMs);
      return;
    }
    this.variation = 0.75 * this.variation + 0.25 * Math.abs(this.smoothed - roundTripMs);
    this.smoothed = 0.875 * this.smoothed + 0.125 * roundTripMs;
  }

  get smoothedMs(): number | undefined {
    return this.smoothed;
  }

  /** How long a chunk behind later, acknowledged ones may still be merely late: SRTT + 2·RTTVAR. */
  get reorderDeadlineMs(): number {
    return this.smoothed === undefined ? this.rtoMs : Math.min(this.rtoMs, this.smoothed + 2 * this.variation);
  }

  /** When a tail loss probe goes (RFC 8985 §7.2): two round trips, and never later than the timeout. */
  get probeMs(): number {
    return this.smoothed === undefined ? this.rtoMs : Math.min(this.rtoMs, 2 * this.smoothed);
  }

  get rtoMs(): number {
    const raw = this.smoothed === undefined ? 1000 : this.smoothed + 4 * this.variation;
    return Math.min(this.maxRtoMs, Math.max(this.minRtoMs, raw));
  }
}

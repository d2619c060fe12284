// Exponential backoff for reconnects: initial, 2×, 4×, … capped at maxMs, each
// delay jittered to [½, 1] of its value so that devices (or CLIs) that failed
// together do not retry in lockstep. The jitter comes from the repo's seeded
// PRNG (util/seeded-random.ts): a daemon seeds it from its pid and the device
// id, a test from a fixed seed, so a test's delays are reproducible.
import { type RandomSource, seededRandom } from '../util/seeded-random.js';

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: RandomSource;

  constructor(
    private readonly settings: BackoffSettings,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** The delay before the next attempt; each call doubles the base, up to the cap. */
  next(): number {
    const base = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base * (0.5 + 0.5 * this.random()));
  }

  /** After a success: start again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** A seed from a name (FNV-1a), mixed with this process's pid. */
export function seedFor(name: string, salt = process.pid): number {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return (hash ^ salt) >>> 0;
}

/** Sleeps `ms`, or less if `signal` aborts (then resolves false). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

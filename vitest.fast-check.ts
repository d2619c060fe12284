// Fixed seeds for every fast-check property (issue 11): a failing property replays exactly with the seed
// printed at the start of the run. FC_SEED=<integer> picks another (test:stress gives each run its own).
// Vitest loads this file twice: as a setup file in every test worker (configureGlobal, below), and as the
// global setup in the main process (the default export), which prints the seed once per run.
import fc from 'fast-check';

/** The seed when FC_SEED is not set: fixed, so CI runs the same cases every time. */
export const DEFAULT_FC_SEED = 20261203;

export function fastCheckSeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.FC_SEED?.trim();
  if (!text) return DEFAULT_FC_SEED;
  const seed = Number(text);
  // fast-check seeds are 32-bit integers.
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) {
    throw new RangeError(`FC_SEED=${JSON.stringify(env.FC_SEED)}: not an integer in -2^31 … 2^32−1`);
  }
  return seed;
}

fc.configureGlobal({ seed: fastCheckSeed() });

export default function printFastCheckSeed(): void {
  const seed = fastCheckSeed();
  console.log(`fast-check seed ${seed}${process.env.FC_SEED?.trim() ? ' (FC_SEED)' : ' (fixed default; FC_SEED=<n> for another)'}`);
}

// The project's one seeded generator (sfc32): zoo weights, experiments and the fault relay
// all draw from it, so a seed means the same sequence everywhere.

export type RandomSource = () => number;

/** Uniform in [0, 1), from the sfc32 generator; the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): RandomSource {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 + seed * 0x85ebca6b;
  let c = 0xb7e15162 ^ (seed >>> 3);
  let d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

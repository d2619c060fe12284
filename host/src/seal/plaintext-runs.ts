// Looks for pieces of a model's plaintext in bytes that should hold only ciphertext: every 16-byte run of every
// layer blob, at any offset. The demo uses it on what a sealed push sent and on the Pi agent's slot file.
// Runs of a single repeated byte are left out: they say nothing about the weights and match any erased flash or
// zero-filled file.

export const PLAINTEXT_RUN_BYTES = 16;

export interface PlaintextRuns {
  /** Distinct runs looked for. */
  count: number;
  /** How many 16-byte windows of `haystack` are runs of a blob. */
  hits(haystack: Uint8Array): number;
}

const key = (bytes: Uint8Array, at: number) => Buffer.from(bytes.buffer, bytes.byteOffset + at, PLAINTEXT_RUN_BYTES).toString('latin1');

export function plaintextRuns(blobs: Uint8Array[]): PlaintextRuns {
  const runs = new Set<string>();
  // A 32-bit prefix set filters almost every window before the full run is compared (megabytes scan in well under a second).
  const prefixes = new Set<number>();
  for (const blob of blobs) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let at = 0; at + PLAINTEXT_RUN_BYTES <= blob.length; at++) {
      if (blob.subarray(at, at + PLAINTEXT_RUN_BYTES).every((byte) => byte === blob[at])) continue;
      runs.add(key(blob, at));
      prefixes.add(view.getUint32(at, true));
    }
  }
  return {
    count: runs.size,
    hits(haystack) {
      const view = new DataView(haystack.buffer, haystack.byteOffset, haystack.byteLength);
      let found = 0;
      for (let at = 0; at + PLAINTEXT_RUN_BYTES <= haystack.length; at++) {
        if (prefixes.has(view.getUint32(at, true)) && runs.has(key(haystack, at))) found++;
      }
      return found;
    },
  };
}

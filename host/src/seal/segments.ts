// Where segments lie and which nonce each is sealed under (protocol/CONTAINER.md §7.3).
export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;
export const SIGNATURE_BYTES = 64;

export function segmentCount(plaintextSize: number, segmentSize: number): number {
  return Math.ceil(plaintextSize / segmentSize);
}

/** Plaintext length of segment `index` (the last one may be shorter). */
export function segmentPlaintextBytes(index: number, plaintextSize: number, segmentSize: number): number {
  return Math.min(segmentSize, plaintextSize - index * segmentSize);
}

/** nonceBase ⊕ (0^7 ‖ be32(index) ‖ final). */
export function segmentNonce(nonceBase: Uint8Array, index: number, final: boolean): Uint8Array {
  const counter = [(index >>> 24) & 0xff, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff, final ? 1 : 0];
  return nonceBase.map((byte, i) => (i < NONCE_BYTES - counter.length ? byte : byte ^ counter[i - (NONCE_BYTES - counter.length)]!));
}

/** Bytes of the sealed stream after the header item: every segment with its tag, and the signature. */
export function sealedBodyBytes(plaintextSize: number, segmentSize: number, signed: boolean): number {
  return plaintextSize + TAG_BYTES * segmentCount(plaintextSize, segmentSize) + (signed ? SIGNATURE_BYTES : 0);
}

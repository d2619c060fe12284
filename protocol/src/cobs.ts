// Consistent Overhead Byte Stuffing (SPEC.md §2.2): removes every 0x00 from a
// frame so that 0x00 can delimit frames on the wire.

/** Worst-case encoded size of `length` bytes, without the delimiter. */
export function cobsMaxEncodedLength(length: number): number {
  return length + 1 + Math.floor(length / 254);
}

/** Encodes `source` into `target` at `offset`; returns the offset after the last byte written. */
export function cobsEncodeInto(source: Uint8Array, target: Uint8Array, offset: number): number {
  let write = offset;
  let read = 0;
  for (;;) {
    const zero = source.indexOf(0, read);
    const end = zero === -1 ? source.length : zero;
    // Full blocks: code 0xFF and 254 data bytes, no implied zero.
    for (; end - read >= 254; read += 254) {
      target[write++] = 0xff;
      target.set(source.subarray(read, read + 254), write);
      write += 254;
    }
    // The last block of the run: it stands for the zero that ends it (or for the end of input,
    // which after a full block gives the paper's final 0x01 code, SPEC.md §2.2).
    target[write++] = end - read + 1;
    target.set(source.subarray(read, end), write);
    write += end - read;
    if (zero === -1) return write;
    read = zero + 1;
  }
}

export function cobsEncode(source: Uint8Array): Uint8Array {
  const target = new Uint8Array(cobsMaxEncodedLength(source.length));
  return target.subarray(0, cobsEncodeInto(source, target, 0));
}

/**
 * Decodes one COBS run (no delimiter, no zero bytes inside). Returns the decoded
 * bytes, or the index of the code byte that points past the end of the run.
 */
export function cobsDecode(run: Uint8Array): Uint8Array | { badCodeAt: number } {
  const out = new Uint8Array(run.length);
  let write = 0;
  let read = 0;
  while (read < run.length) {
    const code = run[read]!;
    if (code === 0 || read + code > run.length) return { badCodeAt: read };
    out.set(run.subarray(read + 1, read + code), write);
    write += code - 1;
    read += code;
    if (code !== 0xff && read < run.length) out[write++] = 0;
  }
  return out.subarray(0, write);
}

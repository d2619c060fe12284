// Consistent Overhead Byte Stuffing (SPEC.md §2.2): removes every 0x00 from a
// frame so that 0x00 can delimit frames on the wire.

/** Worst-case encoded size of `length` bytes, without the delimiter. */
export function cobsMaxEncodedLength(length: number): number {
  return length + 1 + Math.floor(length / 254);
}

/** Encodes `source` into `target` at `offset`; returns the offset after the last byte written. */
export function cobsEncodeInto(source: Uint8Array, target: Uint8Array, offset: number): number {
  let codeIndex = offset;
  let write = offset + 1;
  let code = 1;
  for (let read = 0; read < source.length; read++) {
    const byte = source[read]!;
    if (byte !== 0) {
      target[write++] = byte;
      code++;
    }
    if (byte === 0 || code === 0xff) {
      target[codeIndex] = code;
      codeIndex = write++;
      code = 1;
    }
  }
  target[codeIndex] = code;
  return write;
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

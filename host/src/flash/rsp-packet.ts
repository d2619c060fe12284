// The GDB remote serial protocol's framing: `$payload#xx` (xx: the payload's byte sum mod 256, two hex digits),
// answered by `+` (good) or `-` (send again); `}` escapes `#`, `$`, `}` and `*` (as the byte XOR 0x20), and a
// reply may run-length encode (`c*n`: c repeated n − 29 more times). Payloads are bytes, not text: `X` writes
// and `m` replies carry binary. The parser takes any chunking of the stream and never throws: a bad checksum is
// reported (so the client sends `-`), stray bytes are skipped, and an oversized packet is cut off.

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const STAR = 0x2a;
const PLUS = 0x2b;
const MINUS = 0x2d;
const INTERRUPT = 0x03;

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum + byte) & 0xff;
  return sum;
}

/** `}`-escapes the bytes the framing reserves, so binary data can travel in a payload. */
export function escapeBinary(data: Uint8Array): Uint8Array {
  let reserved = 0;
  for (const byte of data) if (byte === HASH || byte === DOLLAR || byte === ESCAPE || byte === STAR) reserved++;
  if (reserved === 0) return data;
  const out = new Uint8Array(data.length + reserved);
  let at = 0;
  for (const byte of data) {
    if (byte === HASH || byte === DOLLAR || byte === ESCAPE || byte === STAR) {
      out[at++] = ESCAPE;
      out[at++] = byte ^ 0x20;
    } else out[at++] = byte;
  }
  return out;
}

/** A whole packet on the wire: `$`, the (already escaped) payload, `#`, the checksum. */
export function encodePacket(payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const out = new Uint8Array(body.length + 4);
  out[0] = DOLLAR;
  out.set(body, 1);
  out[body.length + 1] = HASH;
  out.set(Buffer.from(checksum(body).toString(16).padStart(2, '0'), 'latin1'), body.length + 2);
  return out;
}

/** Undoes `}` escapes and run-length encoding: the payload as the sender meant it. */
export function decodePayload(raw: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === ESCAPE && i + 1 < raw.length) out.push(raw[++i]! ^ 0x20);
    else if (byte === STAR && out.length > 0 && i + 1 < raw.length) {
      // The count byte is printable: n − 29 more copies of the previous byte.
      const repeat = raw[++i]! - 29;
      const previous = out[out.length - 1]!;
      for (let r = 0; r < repeat; r++) out.push(previous);
    } else out.push(byte);
  }
  return Uint8Array.from(out);
}

export type RspEvent =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' }
  /** `ok`: the checksum matched; `payload` is decoded (escapes and run lengths undone). */
  | { kind: 'packet'; ok: boolean; payload: Uint8Array }
  /** A packet longer than the limit: dropped, and counted as a bad one (the sender is asked again). */
  | { kind: 'overflow'; length: number };

/** Splits a byte stream into acks and packets, across any chunking. */
export class RspParser {
  private state: 'idle' | 'payload' | 'checksum' = 'idle';
  private readonly raw: number[] = [];
  private sumDigits = '';
  private overflowed = 0;

  /** @param maxPacketBytes the longest raw payload kept (a stub never sends more than its own PacketSize). */
  constructor(private readonly maxPacketBytes = 1 << 20) {}

  push(chunk: Uint8Array): RspEvent[] {
    const events: RspEvent[] = [];
    for (const byte of chunk) {
      if (this.state === 'idle') {
        if (byte === DOLLAR) this.start();
        else if (byte === PLUS) events.push({ kind: 'ack' });
        else if (byte === MINUS) events.push({ kind: 'nack' });
        else if (byte === INTERRUPT) events.push({ kind: 'interrupt' });
        // Anything else between packets is noise (a stub's stray output): skipped.
      } else if (this.state === 'payload') {
        if (byte === HASH) this.state = 'checksum';
        else if (byte === DOLLAR) this.start(); // a packet cut short by a new one: the new one wins
        else if (this.raw.length < this.maxPacketBytes) this.raw.push(byte);
        else this.overflowed++;
      } else {
        this.sumDigits += String.fromCharCode(byte);
        if (this.sumDigits.length === 2) events.push(this.finish());
      }
    }
    return events;
  }

  private start(): void {
    this.state = 'payload';
    this.raw.length = 0;
    this.sumDigits = '';
    this.overflowed = 0;
  }

  private finish(): RspEvent {
    this.state = 'idle';
    if (this.overflowed) return { kind: 'overflow', length: this.raw.length + this.overflowed };
    const raw = Uint8Array.from(this.raw);
    const ok = /^[0-9a-fA-F]{2}$/.test(this.sumDigits) && parseInt(this.sumDigits, 16) === checksum(raw);
    return { kind: 'packet', ok, payload: decodePayload(raw) };
  }
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Hex text to bytes; undefined if it is not an even run of hex digits. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

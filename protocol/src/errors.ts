// Typed errors that carry their facts (what, where, limit), shared by the protocol and the host.

export type Facts = Record<string, string | number | bigint | boolean | undefined>;

/** Base of every rtinfer error: a stable `code` for programs and the facts behind the message. */
export class RtinferError extends Error {
  readonly code: string;
  readonly facts: Facts;

  constructor(code: string, message: string, facts: Facts = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.facts = facts;
  }

  toJSON(): Record<string, unknown> {
    const facts: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.facts)) {
      if (value !== undefined) facts[key] = typeof value === 'bigint' ? value.toString() : value;
    }
    return { error: this.name, code: this.code, message: this.message, ...facts };
  }
}

/** Why a frame was dropped (SPEC.md §2.4); the same names the device counts. */
export type FrameDropReason = 'cobs' | 'short' | 'crc' | 'oversize' | 'version';

export class FrameError extends RtinferError {
  declare readonly code: FrameDropReason;
  constructor(
    readonly reason: FrameDropReason,
    message: string,
    facts: { streamOffset: number; length: number; limit?: number; expected?: number; actual?: number },
  ) {
    super(reason, message, facts);
  }
}

/**
 * Why a frame's message was rejected. `cbor`, `shape` and `schema` are answered
 * with ERROR(malformed) by a device; `unknown_type` with ERROR(unsupported).
 */
export type MessageErrorReason = 'cbor' | 'shape' | 'schema' | 'unknown_type';
export type WireOutcome = 'malformed' | 'unsupported';

export class MessageError extends RtinferError {
  declare readonly code: MessageErrorReason;
  constructor(
    readonly reason: MessageErrorReason,
    message: string,
    facts: { type?: number; id?: number; field?: string; limit?: number | bigint; actual?: string | number | bigint; at?: number } = {},
  ) {
    super(reason, message, facts);
  }

  /** The ERROR code a device answers with (SPEC.md §3.4). */
  get wireOutcome(): WireOutcome {
    return this.reason === 'unknown_type' ? 'unsupported' : 'malformed';
  }
}

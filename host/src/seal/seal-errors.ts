// Typed errors of sealing and unsealing (protocol/CONTAINER.md §7); each names what was refused and where.
import { RtinferError } from '../errors.js';

export type SealErrorCode =
  | 'seal_format' // the sealed header or framing is malformed (what, at)
  | 'seal_key' // a key of the wrong kind or length (which, length)
  | 'seal_recipient' // sealed to another key (expected, found)
  | 'seal_device' // sealed for another device (expected, found)
  | 'seal_rollback' // an older generation than the one held (need = held, have = sealed)
  | 'seal_authentication' // a segment's tag did not verify (segment, at)
  | 'seal_truncated' // the stream ends early (length, expected)
  | 'seal_trailing' // bytes after the last segment and signature (extra)
  | 'seal_unsigned' // a signature was required and there is none
  | 'seal_signer_unknown' // signed by a key not among the trusted ones (signer)
  | 'seal_signature' // the signature does not verify (signer)
  | 'seal_container'; // the decrypted plaintext is not a valid .rtm (its digest)

export class SealError extends RtinferError {
  constructor(
    readonly sealCode: SealErrorCode,
    message: string,
    facts: Record<string, string | number | undefined> = {},
    options?: { cause?: unknown },
  ) {
    super(sealCode, message, facts, options);
  }
}

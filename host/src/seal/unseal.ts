// The reference unsealer: the checks of protocol/CONTAINER.md §7.6 in the TA's order, on a whole sealed buffer.
import { createDecipheriv, verify, type KeyObject } from 'node:crypto';
import { CONTAINER_MAGIC, ContainerError, readByteString } from '../compress/container.js';
import { deriveContentKey, sharedSecret, signedMessage } from './content-key.js';
import { privateKeyFromRaw, publicKeyFromRaw, rawPublicKey } from './raw-keys.js';
import { containerDigest } from './seal.js';
import { SealError } from './seal-errors.js';
import { decodeSealedHeader, type SealedHeader } from './sealed-header.js';
import { sealedBodyBytes, segmentCount, segmentNonce, segmentPlaintextBytes, SIGNATURE_BYTES, TAG_BYTES } from './segments.js';

export interface UnsealOptions {
  /** The TA's X25519 private key, raw (32 bytes) or as a KeyObject. */
  recipientPrivateKey: Uint8Array | KeyObject;
  /** The device id the recipient was provisioned with; checked when given. */
  device?: string;
  /** Ed25519 public keys (raw) a signer must be among; a signer outside them is refused. */
  trustedSigners?: Uint8Array[];
  requireSignature?: boolean;
  /** The rollback counter: an older generation is refused. */
  minimumGeneration?: number;
}

export interface Unsealed {
  header: SealedHeader;
  headerBytes: Uint8Array;
  container: Uint8Array;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** The header item's payload bounds, with framing faults as seal errors. */
export function sealedHeaderItem(sealed: Uint8Array): { start: number; end: number } {
  if (!CONTAINER_MAGIC.every((byte, i) => sealed[i] === byte)) {
    if (sealed.length < CONTAINER_MAGIC.length) throw new SealError('seal_truncated', `${sealed.length} bytes is too short for a sealed container`, { length: sealed.length });
    throw new SealError('seal_format', 'does not start with the self-described CBOR tag (d9 d9 f7)', { at: 0 });
  }
  try {
    return readByteString(sealed, CONTAINER_MAGIC.length, 'sealed', 'the sealed header');
  } catch (error) {
    if (!(error instanceof ContainerError)) throw error;
    throw new SealError(error.code === 'container_truncated' ? 'seal_truncated' : 'seal_format', error.message, { at: CONTAINER_MAGIC.length }, { cause: error });
  }
}

function checkHeaderPolicy(header: SealedHeader, recipientPublic: Uint8Array, options: UnsealOptions): void {
  if (!sameBytes(header.recipient, recipientPublic)) throw new SealError('seal_recipient', `sealed to another key: ${hex(header.recipient)}, this recipient is ${hex(recipientPublic)}`, { expected: hex(recipientPublic), found: hex(header.recipient) });
  if (options.device !== undefined && header.device !== options.device) throw new SealError('seal_device', `sealed for device "${header.device}", this is "${options.device}"`, { expected: options.device, found: header.device });
  const held = options.minimumGeneration ?? 0;
  if (header.generation < held) throw new SealError('seal_rollback', `generation ${header.generation} is older than the one held (${held})`, { need: held, have: header.generation });
  if (!header.signer) {
    if (options.requireSignature) throw new SealError('seal_unsigned', 'the container is not signed and a signature is required', {});
  } else if (!(options.trustedSigners ?? []).some((key) => sameBytes(key, header.signer!))) {
    throw new SealError('seal_signer_unknown', `signed by ${hex(header.signer)}, which is not a trusted signer`, { signer: hex(header.signer) });
  }
}

/**
 * The TA's streaming order in TypeScript: bytes in with any chunking; each segment's plaintext is handed to
 * `onPlaintext` only after its tag verified; `finish()` makes the end-of-stream checks and returns the container.
 */
export class SealedStreamReader {
  private buffered: Uint8Array = new Uint8Array(0);
  private received = 0;
  private header?: SealedHeader;
  private headerBytes?: Uint8Array;
  private bodyStart = 0;
  private expected = 0;
  private segments = 0;
  private segment = 0;
  private contentKey?: { key: Uint8Array; nonceBase: Uint8Array };
  private signature?: Uint8Array;
  private readonly plaintext: Uint8Array[] = [];

  constructor(
    private readonly options: UnsealOptions,
    private readonly onPlaintext: (segment: number, plaintext: Uint8Array) => void = () => {},
  ) {}

  /** Bytes accepted so far (where a resumed stream continues). */
  get offset(): number {
    return this.received;
  }

  push(chunk: Uint8Array): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.received += chunk.length;
    if (!this.header) this.tryHeader();
    if (this.header) this.drainSegments();
  }

  finish(): Unsealed {
    if (!this.header || !this.headerBytes) {
      sealedHeaderItem(this.buffered); // throws the precise truncation or format fault
      throw new SealError('seal_truncated', `the sealed stream ends at byte ${this.received}, inside the header`, { length: this.received });
    }
    if (this.received < this.expected) {
      const inside = this.segment < this.segments ? `inside segment ${this.segment} of ${this.segments}` : 'inside the signature';
      throw new SealError('seal_truncated', `the sealed stream ends at byte ${this.received}, ${inside} (${this.expected} bytes expected)`, { length: this.received, expected: this.expected, segment: this.segment });
    }
    const container = new Uint8Array(Buffer.concat(this.plaintext));
    const digest = containerDigest(container);
    const signer = this.header.signer;
    if (signer && !verify(null, signedMessage(this.headerBytes, digest), publicKeyFromRaw('ed25519', signer, 'signer'), this.signature!)) {
      throw new SealError('seal_signature', `the signature by ${hex(signer)} does not verify`, { signer: hex(signer) });
    }
    return { header: this.header, headerBytes: this.headerBytes, container };
  }

  private tryHeader(): void {
    let item: { start: number; end: number };
    try {
      item = sealedHeaderItem(this.buffered);
    } catch (error) {
      if (error instanceof SealError && error.sealCode === 'seal_truncated') return; // wait for more bytes
      throw error;
    }
    const headerBytes = this.buffered.slice(item.start, item.end);
    const header = decodeSealedHeader(headerBytes);
    const { recipientPrivateKey } = this.options;
    const recipientKey = recipientPrivateKey instanceof Uint8Array ? privateKeyFromRaw('x25519', recipientPrivateKey, 'recipient private key') : recipientPrivateKey;
    checkHeaderPolicy(header, rawPublicKey(recipientKey), this.options);
    this.contentKey = deriveContentKey(sharedSecret(recipientKey, publicKeyFromRaw('x25519', header.ephemeral, 'ephemeral public key')), headerBytes);
    this.header = header;
    this.headerBytes = headerBytes;
    this.bodyStart = item.end;
    this.expected = item.end + sealedBodyBytes(header.plaintextSize, header.segmentSize, header.signer !== undefined);
    this.segments = segmentCount(header.plaintextSize, header.segmentSize);
    this.buffered = this.buffered.slice(item.end);
  }

  private drainSegments(): void {
    const header = this.header!;
    if (this.received > this.expected) throw new SealError('seal_trailing', `${this.received - this.expected} bytes after the end of the sealed stream`, { extra: this.received - this.expected });
    while (this.segment < this.segments) {
      const plaintextBytes = segmentPlaintextBytes(this.segment, header.plaintextSize, header.segmentSize);
      if (this.buffered.length < plaintextBytes + TAG_BYTES) return;
      this.plaintext.push(this.openSegment(this.buffered.subarray(0, plaintextBytes), this.buffered.subarray(plaintextBytes, plaintextBytes + TAG_BYTES)));
      this.buffered = this.buffered.slice(plaintextBytes + TAG_BYTES);
      this.segment++;
    }
    if (header.signer && this.buffered.length === SIGNATURE_BYTES) this.signature = this.buffered;
  }

  private openSegment(ciphertext: Uint8Array, tag: Uint8Array): Uint8Array {
    const { key, nonceBase } = this.contentKey!;
    const index = this.segment;
    const decipher = createDecipheriv('aes-256-gcm', key, segmentNonce(nonceBase, index, index === this.segments - 1), { authTagLength: TAG_BYTES });
    decipher.setAAD(this.headerBytes!);
    decipher.setAuthTag(tag);
    let plaintext: Uint8Array;
    try {
      plaintext = new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
    } catch (error) {
      const at = this.bodyStart + index * (this.header!.segmentSize + TAG_BYTES);
      throw new SealError('seal_authentication', `segment ${index} of ${this.segments} (sealed bytes from ${at}) does not authenticate: tampered, reordered, spliced or sealed to another key`, { segment: index, at }, { cause: error });
    }
    this.onPlaintext(index, plaintext);
    return plaintext;
  }
}

/** Unseals a whole sealed buffer (SealedStreamReader in one push). */
export function unseal(sealed: Uint8Array, options: UnsealOptions): Unsealed {
  const reader = new SealedStreamReader(options);
  reader.push(sealed);
  return reader.finish();
}

import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawPrivateKey, rawPublicKey } from './raw-keys.js';
import { containerDigest, seal, sealWithDigest } from './seal.js';
import { SealError, type SealErrorCode } from './seal-errors.js';
import { lenet5, opsMix, segmentSpans, signerKey, signerPublic, strangerKey, taPrivate, taPublic } from './test-support/seal-fixtures.js';
import { decodeSealedHeader, defaultSegmentSize } from './sealed-header.js';
import { sealedHeaderItem, SealedStreamReader, unseal, type UnsealOptions } from './unseal.js';

const device = 'pi-1';
const base = { recipient: taPublic, device, model: 'lenet-5', generation: 5 };
const trusting: UnsealOptions = { recipientPrivateKey: taPrivate, device, trustedSigners: [signerPublic] };

function refusal(run: () => unknown): SealError {
  try {
    run();
  } catch (error) {
    if (error instanceof SealError) return error;
    throw error;
  }
  throw new Error('expected a SealError, nothing was thrown');
}

function expectRefused(run: () => unknown, code: SealErrorCode, facts: Record<string, unknown> = {}): SealError {
  const error = refusal(run);
  expect(error.sealCode, error.message).toBe(code);
  expect(error.facts).toMatchObject(facts);
  return error;
}

describe('seal and unseal', () => {
  it('round-trips a container, signed and unsigned, at several segment sizes', () => {
    for (const segmentSize of [1024, 4000, 16384, 65536]) {
      for (const signingKey of [undefined, signerKey]) {
        const sealed = seal(lenet5, { ...base, segmentSize, ...(signingKey ? { signingKey } : {}) });
        const { header, container } = unseal(sealed, { ...trusting, requireSignature: signingKey !== undefined });
        expect(Buffer.from(container).equals(Buffer.from(lenet5))).toBe(true);
        expect(header).toMatchObject({ device, model: 'lenet-5', generation: 5, segmentSize, plaintextSize: lenet5.length });
        expect(header.signer === undefined).toBe(signingKey === undefined);
      }
    }
  });

  it('hashes as it seals: the sealing comes with the SHA-256 of its own bytes; the container check refuses a damaged one', () => {
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const digest = containerDigest(lenet5);
    expect(Buffer.from(digest).toString('hex')).toBe(sha(lenet5.subarray(0, lenet5.length - 34)));
    for (const signingKey of [undefined, signerKey]) {
      const sealing = sealWithDigest(lenet5, digest, { ...base, segmentSize: 1024, ...(signingKey ? { signingKey } : {}) });
      expect(Buffer.from(sealing.sha256).toString('hex')).toBe(sha(sealing.sealed));
      expect(Buffer.from(unseal(sealing.sealed, { ...trusting, requireSignature: signingKey !== undefined }).container).equals(Buffer.from(lenet5))).toBe(true);
    }
    const damaged = Uint8Array.from(lenet5);
    damaged[100]! ^= 1;
    expectRefused(() => containerDigest(damaged), 'seal_container');
    expectRefused(() => seal(damaged, base), 'seal_container');
  });

  it('picks the segment size from the container: a power of two at most a sixteenth of it, 1 KiB to 64 KiB', () => {
    expect([1, 16 * 1024 - 1, 16 * 2048, 16 * 3000, 16 * 65536, 2 ** 32 - 1].map(defaultSegmentSize)).toEqual([1024, 1024, 2048, 2048, 65536, 65536]);
    const item = (sealed: Uint8Array) => sealedHeaderItem(sealed);
    const sealed = seal(lenet5, base);
    expect(decodeSealedHeader(sealed.subarray(item(sealed).start, item(sealed).end)).segmentSize).toBe(defaultSegmentSize(lenet5.length));
  });

  it('draws a fresh ephemeral key for every seal, so two seals share no ciphertext', () => {
    const a = seal(lenet5, base);
    const b = seal(lenet5, base);
    const headerOf = (sealed: Uint8Array) => {
      const item = sealedHeaderItem(sealed);
      return { header: decodeSealedHeader(sealed.subarray(item.start, item.end)), end: item.end };
    };
    expect(Buffer.from(headerOf(a).header.ephemeral).equals(Buffer.from(headerOf(b).header.ephemeral))).toBe(false);
    expect(Buffer.from(a.subarray(headerOf(a).end, headerOf(a).end + 64)).equals(Buffer.from(b.subarray(headerOf(b).end, headerOf(b).end + 64)))).toBe(false);
  });

  it('never carries a 16-byte run of the plaintext', () => {
    const sealed = Buffer.from(seal(lenet5, { ...base, signingKey: signerKey }));
    let hits = 0;
    for (let at = 0; at + 16 <= lenet5.length; at += 16) if (sealed.includes(lenet5.subarray(at, at + 16))) hits++;
    expect(hits).toBe(0);
    // Positive control: the same scan finds the runs in the plaintext container.
    expect(Buffer.from(lenet5).includes(lenet5.subarray(4096, 4112))).toBe(true);
  });

  it('hands plaintext on only after a segment authenticated, in order', () => {
    const sealed = seal(opsMix, { ...base, segmentSize: 1024 });
    const seen: number[] = [];
    const reader = new SealedStreamReader(trusting, (segment) => seen.push(segment));
    const { spans } = segmentSpans(sealed);
    // Everything but the last byte of segment 2: segments 0 and 1 are out, segment 2 is not.
    reader.push(sealed.subarray(0, spans[2]![1] - 1));
    expect(seen).toEqual([0, 1]);
    reader.push(sealed.subarray(spans[2]![1] - 1));
    expect(seen).toEqual(spans.map((_, i) => i));
    expect(reader.finish().container.length).toBe(opsMix.length);
  });
});

describe('refusals, each typed and naming where', () => {
  const signed = seal(lenet5, { ...base, segmentSize: 16384, signingKey: signerKey });
  const { spans, end } = segmentSpans(signed);

  it('sealed to another key', () => {
    const other = generateKeyPairSync('x25519');
    const sealed = seal(lenet5, { ...base, recipient: rawPublicKey(other.publicKey) });
    expectRefused(() => unseal(sealed, trusting), 'seal_recipient');
    // With the recipient field forged to name this TA, the content key differs: segment 0 fails.
    const forged = Buffer.from(sealed);
    const theirs = Buffer.from(rawPublicKey(other.publicKey));
    forged.set(taPublic, forged.indexOf(theirs));
    expectRefused(() => unseal(forged, trusting), 'seal_authentication', { segment: 0 });
    // Their own private key opens it.
    expect(unseal(sealed, { ...trusting, recipientPrivateKey: rawPrivateKey(other.privateKey) }).container.length).toBe(lenet5.length);
  });

  it('a flipped ciphertext or tag byte, at that segment and before any later one', () => {
    for (const [index, [start, stop]] of spans.entries()) {
      for (const at of [start, Math.floor((start + stop) / 2), stop - 1]) {
        const tampered = Uint8Array.from(signed);
        tampered[at]! ^= 0x01;
        const seen: number[] = [];
        const reader = new SealedStreamReader(trusting, (segment) => seen.push(segment));
        expectRefused(() => reader.push(tampered), 'seal_authentication', { segment: index });
        expect(seen).toEqual(spans.slice(0, index).map((_, i) => i));
      }
    }
  });

  it('a changed header byte: another transcript, so segment 0 fails', () => {
    const item = sealedHeaderItem(signed);
    const header = Buffer.from(signed.subarray(item.start, item.end));
    const at = header.indexOf(Buffer.from('lenet-5'));
    const tampered = Buffer.from(signed);
    tampered[item.start + at] = 'L'.charCodeAt(0);
    expectRefused(() => unseal(tampered, trusting), 'seal_authentication', { segment: 0 });
  });

  it('truncated: inside a segment, at a segment boundary, inside the signature', () => {
    expectRefused(() => unseal(signed.subarray(0, spans[1]![0] + 100), trusting), 'seal_truncated', { segment: 1 });
    expectRefused(() => unseal(signed.subarray(0, spans[2]![0]), trusting), 'seal_truncated', { segment: 2 });
    expectRefused(() => unseal(signed.subarray(0, end + 10), trusting), 'seal_truncated');
    expectRefused(() => unseal(signed.subarray(0, 5), trusting), 'seal_truncated');
  });

  it('the last segment dropped and the next-to-last presented as final: its final flag is 0', () => {
    // Rewrite the header to claim a shorter plaintext is impossible without the key; a shorter stream with the
    // same header is what an attacker can make, and it is short of bytes.
    const cut = signed.subarray(0, spans[spans.length - 2]![1]);
    expectRefused(() => unseal(cut, trusting), 'seal_truncated', { segment: spans.length - 1 });
  });

  it('reordered segments', () => {
    const sealed = seal(opsMix, { ...base, segmentSize: 1024 });
    const { spans: small } = segmentSpans(sealed);
    const swapped = Buffer.from(sealed);
    const [a, b] = [small[3]!, small[4]!];
    Buffer.from(sealed.subarray(b[0], b[1])).copy(swapped, a[0]);
    Buffer.from(sealed.subarray(a[0], a[1])).copy(swapped, a[0] + (b[1] - b[0]));
    expectRefused(() => unseal(swapped, trusting), 'seal_authentication', { segment: 3 });
  });

  it('a segment spliced from another sealing of the same container to the same key', () => {
    const other = seal(lenet5, { ...base, segmentSize: 16384, signingKey: signerKey });
    const spliced = Buffer.from(signed);
    Buffer.from(other.subarray(spans[1]![0], spans[1]![1])).copy(spliced, spans[1]![0]);
    expectRefused(() => unseal(spliced, trusting), 'seal_authentication', { segment: 1 });
  });

  it('bytes after the end', () => {
    expectRefused(() => unseal(Buffer.concat([signed, Buffer.from([0])]), trusting), 'seal_trailing', { extra: 1 });
  });

  it('unsigned when a signature is required; an unknown signer; a bad signature', () => {
    const unsigned = seal(lenet5, base);
    expect(unseal(unsigned, trusting).container.length).toBe(lenet5.length);
    expectRefused(() => unseal(unsigned, { ...trusting, requireSignature: true }), 'seal_unsigned');
    const byStranger = seal(lenet5, { ...base, signingKey: strangerKey });
    expectRefused(() => unseal(byStranger, trusting), 'seal_signer_unknown', { signer: Buffer.from(rawPublicKey(strangerKey)).toString('hex') });
    const badSignature = Uint8Array.from(signed);
    badSignature[badSignature.length - 1]! ^= 0x80;
    expectRefused(() => unseal(badSignature, trusting), 'seal_signature');
  });

  it('sealed for another device; an older generation', () => {
    expectRefused(() => unseal(signed, { ...trusting, device: 'pi-2' }), 'seal_device', { expected: 'pi-2', found: device });
    expectRefused(() => unseal(signed, { ...trusting, minimumGeneration: 6 }), 'seal_rollback', { need: 6, have: 5 });
    expect(unseal(signed, { ...trusting, minimumGeneration: 5 }).header.generation).toBe(5);
  });

  it('bad input to the sealer', () => {
    expectRefused(() => seal(lenet5.subarray(0, 100), base), 'seal_container');
    const tampered = Uint8Array.from(lenet5);
    tampered[200]! ^= 1;
    expectRefused(() => seal(tampered, base), 'seal_container');
    expectRefused(() => seal(lenet5, { ...base, recipient: new Uint8Array(31) }), 'seal_key', { length: 31 });
    expectRefused(() => seal(lenet5, { ...base, recipient: generateKeyPairSync('ed25519').publicKey }), 'seal_key');
    expectRefused(() => seal(lenet5, { ...base, signingKey: generateKeyPairSync('x25519').privateKey }), 'seal_key');
    expectRefused(() => seal(lenet5, { ...base, segmentSize: 1000 }), 'seal_format', { key: 'segmentSize' });
    expectRefused(() => seal(lenet5, { ...base, generation: -1 }), 'seal_format', { key: 'generation' });
    expectRefused(() => seal(lenet5, { ...base, device: 'x'.repeat(65) }), 'seal_format', { key: 'device' });
    expectRefused(() => seal(lenet5, { ...base, recipient: new Uint8Array(32) }), 'seal_key');
  });

  it('not a sealed container', () => {
    expectRefused(() => unseal(lenet5, trusting), 'seal_format', { have: 1024 }); // an .rtm header is far larger
    expectRefused(() => unseal(Buffer.concat([lenet5.subarray(0, 3), Buffer.from([0x41, 0xa0])]), trusting), 'seal_format', { key: 'format' });
    expectRefused(() => unseal(Uint8Array.of(1, 2, 3, 4), trusting), 'seal_format');
  });
});

// Shared by the seal tests: the golden vectors' keys and containers, and byte surgery on sealed streams.
import { privateKeyFromRaw, rawPublicKey } from '../raw-keys.js';
import { sealedHeaderItem } from '../unseal.js';
import { decodeSealedHeader } from '../sealed-header.js';
import { segmentCount, segmentPlaintextBytes, TAG_BYTES } from '../segments.js';
import { containerOf, sealedVectorKeys, sealedVectors, SEALED_VECTOR_DEVICE } from './sealed-vectors.js';

export { sealedVectorKeys, sealedVectors, SEALED_VECTOR_DEVICE };

export const taPrivate = sealedVectorKeys.ta;
export const taPublic = rawPublicKey(privateKeyFromRaw('x25519', taPrivate));
export const signerKey = privateKeyFromRaw('ed25519', sealedVectorKeys.signer);
export const signerPublic = rawPublicKey(signerKey);
export const strangerKey = privateKeyFromRaw('ed25519', sealedVectorKeys.stranger);

export const lenet5 = containerOf(sealedVectors[0]!);
export const opsMix = containerOf(sealedVectors.find((vector) => vector.container === 'ops-mix.rtm')!);

/** Each segment's [start, end) in the sealed bytes (ciphertext and tag), and where the signature starts. */
export function segmentSpans(sealed: Uint8Array): { spans: Array<[number, number]>; end: number } {
  const item = sealedHeaderItem(sealed);
  const header = decodeSealedHeader(sealed.subarray(item.start, item.end));
  const spans: Array<[number, number]> = [];
  let at = item.end;
  for (let i = 0; i < segmentCount(header.plaintextSize, header.segmentSize); i++) {
    const bytes = segmentPlaintextBytes(i, header.plaintextSize, header.segmentSize) + TAG_BYTES;
    spans.push([at, at + bytes]);
    at += bytes;
  }
  return { spans, end: at };
}

// Tensors larger than a frame (SPEC.md §4.4.1): an INFER's input sent in INFER_PART pieces, and the parts of a
// RESULT the device withheld read back with RESULT_PART. One piece in flight; each piece's request is timed out and
// re-sent as any request, and a piece is idempotent by offset on the device.
import { encodeMessage, type DeviceMessageOf, type HostBody } from '@rtinfer/protocol';
import { DeviceError, RequestTimeoutError, RtinferError } from '../errors.js';
import type { DeviceSession } from './session.js';

/** Bytes of an INFER_PART or RESULT_PART message beyond its data: type, the largest id, keys, offset and the bstr header. */
export const PIECE_ENVELOPE_BYTES = 32;
/** Re-sends of a piece whose reply did not come in time, after the first send (SPEC.md §4.4.1). */
export const PIECE_RETRIES = 3;
/**
 * Each re-send waits twice as long as the last: a device that is only slow (an emulated board starved of CPU on a
 * loaded host stalled a piece past one wait) gets 15 waits' worth in all, a silent one is still given up on.
 */
export const PIECE_BACKOFF = 2;

export const ResultPart = { OUTPUT: 0, LAYER_TICKS: 1 } as const;

/** A piece went unanswered through every re-send: the link or the device stopped, mid-tensor. */
export class PieceTimeoutError extends RtinferError {
  constructor(facts: { device: string; request: 'INFER_PART' | 'RESULT_PART'; offset: number; size: number; attempts: number; timeoutMs: number }) {
    const what = facts.request === 'INFER_PART' ? 'the input piece' : 'the result piece';
    super(
      'piece_timeout',
      `${facts.device} did not answer ${what} at byte ${facts.offset} of ${facts.size} (${facts.request}, ${facts.attempts} attempts, the last of ${facts.timeoutMs} ms)`,
      facts,
    );
  }
}

/** The device answered a piece with something the exchange does not allow (no progress, a different part or offset). */
export class PieceProtocolError extends RtinferError {
  constructor(message: string, facts: Record<string, string | number>) {
    super('piece_protocol', message, facts);
  }
}

/** Does this INFER, with its input inline, fit one message to the device? */
export function fitsOneMessage(session: DeviceSession, body: HostBody<'INFER'>): boolean {
  // The largest request id the session may pick makes the largest encoding: a bound, not a guess.
  return encodeMessage('h2d', { type: 'INFER', id: 0xffff_ffff, body }).length <= session.transport.peerMaxMessageBytes;
}

/** Data bytes per piece: what the smaller of the two frames leaves after the envelope. */
function pieceBytes(session: DeviceSession): number {
  return Math.max(1, session.transport.peerMaxMessageBytes - PIECE_ENVELOPE_BYTES);
}

/**
 * INFER with `inputSize`, then its input piece by piece; resolves with the INFER's RESULT. A refusal of the INFER
 * itself (busy, wrong size, no model) wins over what its pieces drew: the device answers in order, so that ERROR
 * arrives before the reply to the first piece.
 */
export async function inferWithInputPieces(
  session: DeviceSession,
  body: Omit<HostBody<'INFER'>, 'input' | 'inputIndex' | 'inputSize'>,
  input: Uint8Array,
  timeoutMs: number,
): Promise<DeviceMessageOf<'RESULT'>> {
  const size = input.length;
  const result = session.request('INFER', { ...body, inputSize: size }, { timeoutMs, retries: 0 });
  let refusal: unknown;
  result.catch((error: unknown) => {
    refusal = error;
  });
  const step = pieceBytes(session);
  for (let offset = 0; offset < size; ) {
    const end = Math.min(size, offset + step);
    let next: number;
    try {
      next = (await session.request('INFER_PART', { offset, data: input.subarray(offset, end) }, { retries: PIECE_RETRIES, backoff: PIECE_BACKOFF })).body.next;
    } catch (error) {
      await settled(result);
      if (refusal !== undefined) throw refusal;
      // The last piece's reply was lost and its re-send came after the device closed the INFER to run it: the RESULT is on its way.
      if (end === size && error instanceof DeviceError && error.code === 'device_bad_state') break;
      if (error instanceof RequestTimeoutError) {
        throw new PieceTimeoutError({ device: session.description, request: 'INFER_PART', offset, size, attempts: PIECE_RETRIES + 1, timeoutMs: Number(error.facts.timeoutMs) });
      }
      throw error;
    }
    if (next <= offset || next > size) {
      throw new PieceProtocolError(`${session.description} answered the input piece at byte ${offset} (to ${end}) with next = ${next}: no progress within the input of ${size} B`, { offset, end, next, size });
    }
    offset = next;
  }
  return result;
}

/** Waits for a request to settle without taking its outcome. */
async function settled(request: Promise<unknown>): Promise<void> {
  // A refusal already on its way has been read before the piece's own reply (the device answers in order); one
  // macrotask lets its handler run.
  await Promise.race([request.then(() => undefined, () => undefined), new Promise<void>((resolve) => setImmediate(resolve))]);
}

/** Reads a withheld part of the last RESULT (`size` bytes, as RESULT announced) in pieces. */
export async function readResultPart(session: DeviceSession, part: number, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; ) {
    let reply: DeviceMessageOf<'RESULT_PART'>;
    try {
      reply = await session.request('RESULT_PART', { part, offset }, { retries: PIECE_RETRIES, backoff: PIECE_BACKOFF });
    } catch (error) {
      if (error instanceof RequestTimeoutError) {
        throw new PieceTimeoutError({ device: session.description, request: 'RESULT_PART', offset, size, attempts: PIECE_RETRIES + 1, timeoutMs: Number(error.facts.timeoutMs) });
      }
      throw error;
    }
    const { body } = reply;
    if (body.part !== part || body.offset !== offset || body.size !== size || body.data.length === 0 || offset + body.data.length > size) {
      throw new PieceProtocolError(
        `${session.description} answered RESULT_PART (part ${part}, offset ${offset} of ${size}) with part ${body.part}, offset ${body.offset}, size ${body.size}, ${body.data.length} B`,
        { part, offset, size, gotPart: body.part, gotOffset: body.offset, gotSize: body.size, gotBytes: body.data.length },
      );
    }
    bytes.set(body.data, offset);
    offset += body.data.length;
  }
  return bytes;
}

/** Layer ticks as RESULT_PART part 1 carries them: u64 little-endian, 8 bytes per layer. */
export function layerTicksFromBytes(bytes: Uint8Array): bigint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >> 3 }, (_, layer) => view.getBigUint64(layer * 8, true));
}

// Pushes a model container into a device slot (SPEC.md §4.3): MODEL_BEGIN
// (which says what the device already holds), a window of MODEL_CHUNKs driven by
// the device's MODEL_ACKs, then MODEL_COMMIT, which verifies the SHA-256 on the
// device before anything is activated. A container made as it is pushed (a sealed
// stream to a TEE device) goes in the header form: named by its header's SHA-256 at
// MODEL_BEGIN, its bytes made for the chunks the window asks for, its file SHA-256
// sent with MODEL_COMMIT.
import { createHash } from 'node:crypto';
import { Channel, type DeviceBody, type DeviceMessage, MessageType, SlotState } from '@rtinfer/protocol';
import { DeviceError, LinkClosedError, RtinferError } from '../errors.js';
import type { DeviceSession } from '../device/session.js';
import { isTeeDevice } from '../device/tee-key.js';
import { refuseInt8WithoutCapability } from '../device/int8-capability.js';
import { TransferWindow } from './transfer-window.js';

/** CBOR bytes of a MODEL_CHUNK besides its data, at most (SPEC.md §4.3 fields). */
const CHUNK_ENVELOPE_BYTES = 20;
/** The device's window may run ahead of the chunks in flight (TransferWindow's pipe): room to keep sending past holes. */
const MAX_PROPOSED_WINDOW = 64;
/** How far a streamed container is made ahead of the chunks sent: what the next window sends (TransferWindow's pipe). */
const MAKE_AHEAD_CHUNKS = 16;
/** A lost request or reply must not end a push on a bad line: STATUS, BEGIN (a resume) and COMMIT are idempotent. */
const IDEMPOTENT_RETRIES = 4;
/** How long the event loop reads input before a repair is decided on (see readInputFirst): a share of how late
 *  the decision already is, within bounds. */
const READ_INPUT_GRACE = { share: 0.25, minMs: 10, maxMs: 100 };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

/**
 * A container made as it is read (host/src/seal/sealed-stream.ts's SealedStream): pushed in SPEC.md §4.3's header
 * form to a device that takes it (a TEE device), else made whole first and pushed with its SHA-256 as any other.
 */
export interface StreamedContainer {
  readonly size: number;
  /** Names the stream for resume (MODEL_BEGIN key 6): the same stream, the same value; another sealing, another. */
  readonly headerSha256: Uint8Array;
  /** Bytes [start, end), made if they are not yet. */
  bytes(start: number, end: number): Uint8Array;
  /** SHA-256 of every byte (MODEL_COMMIT key 2): makes what is not made yet. */
  sha256(): Uint8Array;
  /** Makes one more piece that starts below byte `before`, while the push waits for ACKs; false once none is left
   *  there. */
  makeAhead?(before: number): boolean;
  /** Makes the rest on another thread while this one pushes (a SealedStream's sealing worker); false if it cannot
   *  (then makeAhead makes pieces on this thread while the window waits). */
  sealInBackground?(): boolean;
  /** The push starts (true) and stops (false) reading the stream: work that waits for every byte waits for it. */
  reading?(on: boolean): void;
  /** What must be done before the first byte leaves (a sealing records its generation in the lab): the push does it
   *  while its first request is answered; bytes() does it otherwise. */
  prepare?(): void;
}

function isStreamed(container: Uint8Array | StreamedContainer): container is StreamedContainer {
  return !(container instanceof Uint8Array);
}

/** Only a TEE device takes the header form (SPEC.md §4.3); any other gets a stream made whole, as before. */
function inHeaderForm(session: DeviceSession, source: Uint8Array | StreamedContainer): boolean {
  return isStreamed(source) && isTeeDevice(session.info);
}

/** How a push names its container: the file's SHA-256, or (header form) the stream header's. */
type Identity = { sha256: Uint8Array } | { headerSha256: Uint8Array };

export interface PushOptions {
  modelId: string;
  slot?: number;
  activate?: boolean;
  /** Largest chunk to propose; the device may agree to less. */
  chunkBytes?: number;
  window?: number;
  signal?: AbortSignal;
  onProgress?: (progress: PushProgress) => void;
  beginTimeoutMs?: number;
  commitTimeoutMs?: number;
  /** SHA-256 of `container` when the caller already has it (a sealer hashes as it seals), so it is not hashed twice;
   *  a wrong one is caught by the device at MODEL_COMMIT. Not for a StreamedContainer, which hashes itself. */
  sha256?: Uint8Array;
}

export interface PushProgress {
  stored: number;
  total: number;
  retransmissions: number;
  elapsedMs: number;
}

export interface PushSummary {
  modelId: string;
  slot: number;
  sha256: string;
  bytes: number;
  /** Bytes the device already held when the push began. */
  resumedFrom: number;
  /** Container bytes sent, retransmissions included. */
  sentBytes: number;
  /** Everything written to the link during the push, framing and requests included. */
  wireBytes: number;
  retransmissions: number;
  chunkBytes: number;
  window: number;
  durationMs: number;
  /** Container bytes moved per second (not counting what was already there). */
  goodputBytesPerSecond: number;
  active: boolean;
}

export class TransferError extends RtinferError {}

export function sha256Of(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/**
 * The slot for this container: the one asked for; else one that already holds
 * it (verified, or part of it: resume there); else the device's default (a slot
 * that is not active). "Holds it" is SPEC.md §4.3's resume rule: the same model id, size and digest, so the same
 * bytes pushed under another model id go to a free slot (the device refuses them on the slot of the active model).
 */
export function chooseSlot(models: ModelSlots, identity: Uint8Array | Identity, size: number, requested: number | undefined, modelId?: string): number | undefined {
  if (requested !== undefined) return requested;
  const named = identity instanceof Uint8Array ? { sha256: identity } : identity;
  const same = (slot: ModelSlots['slots'][number]) =>
    (modelId === undefined || slot.modelId === undefined || slot.modelId === modelId) &&
    ('headerSha256' in named ? slot.headerSha256 !== undefined && sameBytes(slot.headerSha256, named.headerSha256) : slot.headerSha256 === undefined && slot.sha256 !== undefined && sameBytes(slot.sha256, named.sha256));
  const holding = models.slots.filter((slot) => slot.size === size && same(slot));
  const best = holding.find((slot) => slot.state === SlotState.VERIFIED) ?? holding.sort((a, b) => (b.received ?? 0) - (a.received ?? 0))[0];
  return best?.slot;
}

export async function pushModel(session: DeviceSession, source: Uint8Array | StreamedContainer, options: PushOptions): Promise<PushSummary> {
  // A stream pushed in the header form is read while the push lasts, cut or not: what waits for its every byte (a
  // sealing's resume cache) then comes after the transfer, not during it.
  const read = inHeaderForm(session, source) ? (source as StreamedContainer) : undefined;
  read?.reading?.(true);
  try {
    return await pushOnce(session, source, options);
  } finally {
    read?.reading?.(false);
  }
}

async function pushOnce(session: DeviceSession, source: Uint8Array | StreamedContainer, options: PushOptions): Promise<PushSummary> {
  const started = performance.now();
  const wireBefore = session.transport.statistics().bytesOut;
  const headerForm = inHeaderForm(session, source);
  const container: Pick<StreamedContainer, 'size' | 'bytes'> = isStreamed(source)
    ? headerForm
      ? source
      : wholeBytes(source.bytes(0, source.size))
    : wholeBytes(source);
  // A plaintext int8 container needs a device that runs int8 (SPEC.md §4.1 caps bit 6); refused before any byte goes.
  if (!headerForm && session.info) refuseInt8WithoutCapability(session.info.caps, container.bytes(0, container.size), session.description);
  const fileSha256 = (): Uint8Array => (isStreamed(source) ? source.sha256() : (options.sha256 ?? sha256Of(source)));
  // Started before the first request: the worker seals while MODEL_STATUS and MODEL_BEGIN make their round trips.
  const inBackground = headerForm && (source as StreamedContainer).sealInBackground?.() === true;
  const makeAhead = headerForm && !inBackground ? (source as StreamedContainer).makeAhead?.bind(source) : undefined;
  const identity: Identity = headerForm ? { headerSha256: (source as StreamedContainer).headerSha256 } : { sha256: fileSha256() };
  const listing = listModels(session);
  if (headerForm) {
    // While MODEL_STATUS crosses (its round trip is idle time here): an error here ends the push before MODEL_BEGIN.
    try {
      (source as StreamedContainer).prepare?.();
    } catch (error) {
      listing.catch(() => undefined);
      throw error;
    }
  }
  const slot = chooseSlot(await listing, identity, container.size, options.slot, options.modelId);
  const retries = IDEMPOTENT_RETRIES;
  const proposedChunk = Math.min(options.chunkBytes ?? 0xffff, session.transport.peerMaxMessageBytes - CHUNK_ENVELOPE_BYTES, 0xffff);
  const begin = await session.request(
    'MODEL_BEGIN',
    {
      modelId: options.modelId,
      size: container.size,
      ...identity,
      ...(slot !== undefined ? { slot } : {}),
      chunk: proposedChunk,
      window: options.window ?? MAX_PROPOSED_WINDOW,
    },
    // The device erases the slot before it answers: seconds on an STM32F7 sector.
    { timeoutMs: options.beginTimeoutMs ?? 10_000, retries },
  );
  const first = begin.body;
  // No RTT seed from MODEL_BEGIN: one small request says nothing of how long a window queues. The
  // first timeout is RFC 6298's 1 s, counted from when a chunk can have crossed at the assumed line
  // rate (SPEC.md §4.3); measurements from the first ACKs take over.
  const window = new TransferWindow({ size: container.size, chunkSize: first.chunk, window: first.window, resumeFrom: first.next });
  window.acknowledge(first, performance.now());
  let sentBytes = 0;

  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let pumping = false;
    let finished = false;
    // While the window waits for ACKs, a streamed container makes what the next window will send, a piece per turn
    // of the event loop (so an ACK that arrives is read first): the chunks then find their bytes made. Not further:
    // what is made once every byte is (a sealing's resume cache is written then) should come after the transfer.
    let ahead: NodeJS.Immediate | undefined;
    let sentUntil = 0;
    const workAhead = () => {
      ahead = undefined;
      if (!finished && !pumping && makeAhead?.(sentUntil + MAKE_AHEAD_CHUNKS * first.chunk)) ahead = setImmediate(workAhead);
    };
    const finish = (error?: Error) => {
      finished = true;
      clearTimeout(timer);
      if (ahead) clearImmediate(ahead);
      session.off('unsolicited', onMessage);
      session.off('closed', onClosed);
      session.off('reset', onReset);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    // A repair (timeout, reorder deadline, probe) is decided on only once every ACK that came before it fell due
    // has been read. A loaded host can stop this process past a timer while the device's ACKs wait unread; the
    // timer then fires before the loop reads them, and the repair would be spurious. Input is known read up to
    // the last message handled, or up to the start of a grace in which the loop polled (the serial binding's
    // read completes a hop after the poll, hence a few ms rather than setImmediate; a host that stopped this
    // process long may stop it again, so the later the decision, the longer the grace).
    let inputReadUntil = performance.now();
    const readInputFirst = (now: number): boolean => {
      const deadline = window.nextDeadline();
      if (deadline === undefined || deadline > now || inputReadUntil >= deadline) return false;
      const graceMs = Math.min(READ_INPUT_GRACE.maxMs, Math.max(READ_INPUT_GRACE.minMs, (now - deadline) * READ_INPUT_GRACE.share));
      clearTimeout(timer);
      timer = setTimeout(() => {
        inputReadUntil = Math.max(inputReadUntil, now);
        void pump();
      }, graceMs);
      return true;
    };
    const onMessage = (message: DeviceMessage) => {
      inputReadUntil = performance.now();
      if (message.type === 'MODEL_ACK' && message.body.slot === first.slot) {
        window.acknowledge(message.body, performance.now());
        void pump();
      } else if (message.type === 'ERROR' && message.body.type === MessageType.MODEL_CHUNK) {
        finish(new DeviceError('MODEL_CHUNK', message.body, session.description));
      }
    };
    const onClosed = (error: Error | undefined) => finish(error ?? new LinkClosedError(session.transport.description, 'closed during the push'));
    const onReset = () =>
      finish(new TransferError('device_reset', `${session.description} reset during the push; push again to resume from ${window.next} bytes`, { stored: window.next }));
    const onAbort = () =>
      finish(new TransferError('interrupted', `push interrupted at ${window.next} of ${container.size} bytes; push again to resume`, { stored: window.next, size: container.size }));
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      try {
        while (!finished && !window.done) {
          const stalled = window.stalledChunk();
          if (stalled !== undefined) {
            finish(
              new TransferError('stalled', `chunk ${stalled} was not acknowledged after repeated retransmissions: is the link up?`, {
                chunk: stalled,
                stored: window.next,
              }),
            );
            return;
          }
          const now = performance.now();
          if (readInputFirst(now)) return;
          const due = window.due(now);
          if (due.length === 0) break;
          for (const chunk of due) {
            if (finished) return; // aborted, reset or closed while the window was going out
            await session.post({ type: 'MODEL_CHUNK', id: 0, body: { slot: first.slot, offset: chunk.offset, data: container.bytes(chunk.offset, chunk.offset + chunk.length) } }, Channel.BULK);
            sentBytes += chunk.length;
            sentUntil = Math.max(sentUntil, chunk.offset + chunk.length);
          }
          options.onProgress?.({ stored: window.next, total: container.size, retransmissions: window.retransmissions, elapsedMs: performance.now() - started });
        }
        if (finished) return;
        if (window.done) {
          finish();
          return;
        }
        clearTimeout(timer);
        const deadline = window.nextDeadline();
        if (deadline !== undefined) timer = setTimeout(() => void pump(), Math.max(0, deadline - performance.now()));
        if (makeAhead && !ahead) ahead = setImmediate(workAhead);
      } catch (error) {
        finish(error as Error);
      } finally {
        pumping = false;
      }
    };
    session.on('unsolicited', onMessage);
    session.on('closed', onClosed);
    session.on('reset', onReset);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort);
    void pump();
  });

  // The header form's file SHA-256 is known now: every byte was made to be sent (or, resumed, is made here).
  const sha256 = 'sha256' in identity ? identity.sha256 : fileSha256();
  const status = await session.request(
    'MODEL_COMMIT',
    { slot: first.slot, activate: options.activate ?? true, ...(headerForm ? { sha256 } : {}) },
    { timeoutMs: options.commitTimeoutMs ?? 30_000, retries },
  );
  const entry = status.body.slots.find((slot) => slot.slot === first.slot);
  if (entry?.state !== SlotState.VERIFIED || !entry.sha256 || !sameBytes(entry.sha256, sha256)) {
    throw new TransferError('not_verified', `slot ${first.slot} did not verify after commit`, { slot: first.slot, state: entry?.state });
  }
  const durationMs = performance.now() - started;
  const moved = container.size - first.next;
  return {
    modelId: options.modelId,
    slot: first.slot,
    sha256: Buffer.from(sha256).toString('hex'),
    bytes: container.size,
    resumedFrom: first.next,
    sentBytes,
    wireBytes: session.transport.statistics().bytesOut - wireBefore,
    retransmissions: window.retransmissions,
    chunkBytes: first.chunk,
    window: first.window,
    durationMs,
    goodputBytesPerSecond: moved / (durationMs / 1000),
    active: status.body.active === first.slot,
  };
}

/** Plain bytes as a container the push reads by range. */
function wholeBytes(bytes: Uint8Array): Pick<StreamedContainer, 'size' | 'bytes'> {
  return { size: bytes.length, bytes: (start, end) => bytes.subarray(start, end) };
}

export type ModelSlots = DeviceBody<'MODEL_STATUS'>;

export async function listModels(session: DeviceSession): Promise<ModelSlots> {
  return (await session.request('MODEL_STATUS', {}, { retries: IDEMPOTENT_RETRIES })).body;
}

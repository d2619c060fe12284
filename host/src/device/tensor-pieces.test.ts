// The host side of tensors larger than a frame (SPEC.md §4.4.1) against a device played in-process by the rules of
// §4.4.1 (the C device is tested by fw.pieces.*): inputs of any size arrive whole through lost replies, withheld
// outputs and layer ticks come back whole, and every failure is a typed error (never a RangeError).
import { decodeMessage, type DeviceMessage, encodeMessage, type HostMessage, maxMessageBytes } from '@rtinfer/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors.js';
import { type LinkStatistics, type Transport, TransportEmitter } from '../transport/transport.js';
import { seededRandom } from '../util/seeded-random.js';
import { inferOnDevice } from './infer.js';
import { DeviceSession } from './session.js';
import { PieceTimeoutError } from './tensor-pieces.js';

interface DeviceRules {
  /** The model's input bytes. */
  inputBytes: number;
  /** Output values the model gives (each the sum of the input bytes plus its index, so a wrong byte shows). */
  outputCount: number;
  layers: number;
  maxFrame: number;
  /** Probability that a reply is lost (the seeded generator decides which). */
  loss?: number;
  seed?: number;
  /** The device stops answering pieces after this many. */
  silentAfterPieces?: number;
  busy?: boolean;
}

/** A device that keeps §4.4.1's rules: one open INFER, pieces in order or repeated, withheld parts until another request. */
class PieceDevice extends TransportEmitter implements Transport {
  readonly description = 'piece device';
  isOpen = false;
  peerMaxMessageBytes: number;
  readonly ownMaxMessageBytes = maxMessageBytes(4096);
  received: Uint8Array | undefined;
  pieces = 0;
  private waiting: { id: number; buffer: Uint8Array; next: number } | undefined;
  private held: { output?: Uint8Array; ticks?: Uint8Array } = {};
  private readonly random: () => number;

  constructor(private readonly rules: DeviceRules) {
    super();
    this.peerMaxMessageBytes = maxMessageBytes(rules.maxFrame);
    this.random = seededRandom(rules.seed ?? 1);
  }

  async open(): Promise<void> {
    this.isOpen = true;
  }

  async close(): Promise<void> {
    this.isOpen = false;
  }

  statistics(): LinkStatistics {
    return { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, dropped: {}, lost: 0 };
  }

  async send(bytes: Uint8Array): Promise<void> {
    if (bytes.length > this.peerMaxMessageBytes) throw new Error(`host sent ${bytes.length} B, over the device's ${this.peerMaxMessageBytes}`);
    const request = decodeMessage('h2d', bytes) as HostMessage;
    if (request.type !== 'INFER_PART' && request.type !== 'RESULT_PART' && request.type !== 'PING') {
      if (this.waiting) this.error(this.waiting.id, 5, 0x20, this.waiting.next, this.waiting.buffer.length);
      this.waiting = undefined;
      this.held = {};
    }
    if (request.type === 'HELLO') this.reply({ type: 'HELLO', id: request.id, body: { proto: 1, maxFrame: this.rules.maxFrame, board: 'fake', firmware: '0', deviceId: 'pieces', clockHz: 1_000_000n, caps: 2, ram: 1 << 20, slotSize: 0, slots: 0, bootId: 1, uptime: 0n } });
    else if (request.type === 'INFER') this.infer(request);
    else if (request.type === 'INFER_PART') this.piece(request);
    else if (request.type === 'RESULT_PART') this.part(request);
  }

  private infer(request: Extract<HostMessage, { type: 'INFER' }>): void {
    if (this.rules.busy) return this.error(request.id, 6, 0x20);
    const sent = request.body.inputSize ?? request.body.input?.length ?? 0;
    if (sent !== this.rules.inputBytes) return this.error(request.id, 12, 0x20, sent, this.rules.inputBytes);
    if (request.body.input) return this.run(request.id, request.body.input);
    this.waiting = { id: request.id, buffer: new Uint8Array(sent), next: 0 };
  }

  private piece(request: Extract<HostMessage, { type: 'INFER_PART' }>): void {
    this.pieces++;
    if (this.rules.silentAfterPieces !== undefined && this.pieces > this.rules.silentAfterPieces) return;
    const open = this.waiting;
    if (!open) return this.error(request.id, 5, 0x22);
    const { offset, data } = request.body;
    if (offset > open.next) return this.error(request.id, 9, 0x22, offset, open.next);
    if (offset + data.length > open.buffer.length) return this.error(request.id, 9, 0x22, offset + data.length, open.buffer.length);
    if (offset + data.length > open.next) {
      open.buffer.set(data.subarray(open.next - offset), open.next);
      open.next = offset + data.length;
    }
    this.reply({ type: 'INFER_PART', id: request.id, body: { next: open.next } });
    if (open.next === open.buffer.length) {
      this.waiting = undefined;
      this.run(open.id, open.buffer);
    }
  }

  private run(id: number, input: Uint8Array): void {
    this.received = input.slice();
    const sum = input.reduce((total, byte) => total + byte, 0);
    const output = new Uint8Array(this.rules.outputCount * 4);
    const view = new DataView(output.buffer);
    for (let i = 0; i < this.rules.outputCount; i++) view.setFloat32(i * 4, sum + i, true);
    const ticks = new Uint8Array(this.rules.layers * 8);
    for (let layer = 0; layer < this.rules.layers; layer++) new DataView(ticks.buffer).setBigUint64(layer * 8, BigInt(layer + 1), true);
    const body: Extract<DeviceMessage, { type: 'RESULT' }>['body'] = { ticks: 1_000_000n, shape: [this.rules.outputCount], top: this.rules.outputCount - 1, output };
    if (this.rules.layers <= 64) body.layerTicks = Array.from({ length: this.rules.layers }, (_, layer) => BigInt(layer + 1));
    else {
      body.layerCount = this.rules.layers;
      this.held.ticks = ticks;
    }
    if (encodeMessage('d2h', { type: 'RESULT', id, body }).length > this.ownMaxMessageBytes) {
      delete body.output;
      body.outputSize = output.length;
      this.held.output = output;
    }
    this.reply({ type: 'RESULT', id, body });
  }

  private part(request: Extract<HostMessage, { type: 'RESULT_PART' }>): void {
    const bytes = request.body.part === 0 ? this.held.output : this.held.ticks;
    if (!bytes) return this.error(request.id, 5, 0x23, request.body.part, 0);
    if (request.body.offset >= bytes.length) return this.error(request.id, 9, 0x23, request.body.offset, bytes.length);
    let room = this.ownMaxMessageBytes - 32;
    if (request.body.part === 1) room -= room % 8;
    const data = bytes.subarray(request.body.offset, request.body.offset + room);
    this.reply({ type: 'RESULT_PART', id: request.id, body: { part: request.body.part, offset: request.body.offset, size: bytes.length, data } });
  }

  private error(id: number, code: number, type: number, need?: number, have?: number): void {
    this.reply({ type: 'ERROR', id, body: { code, message: 'refused', type, ...(need !== undefined ? { need: BigInt(need), have: BigInt(have ?? 0) } : {}) } }, true);
  }

  private reply(message: DeviceMessage, always = false): void {
    // Lost replies: the host's timer and re-send recover them. The HELLO and RESULT are not lost (the host would
    // only time out; that is the session's test, not this one's).
    if (!always && message.type !== 'HELLO' && message.type !== 'RESULT' && this.random() < (this.rules.loss ?? 0)) return;
    const bytes = encodeMessage('d2h', message);
    setImmediate(() => this.emit('message', { bytes, channel: 0, flags: 0, linkBytes: bytes.length }));
  }
}

async function withDevice<T>(rules: DeviceRules, body: (session: DeviceSession, device: PieceDevice) => Promise<T>): Promise<T> {
  const device = new PieceDevice(rules);
  // A short request timeout: lost replies are re-sent quickly. A late reply is only counted late.
  const session = await DeviceSession.connect(device, { timeoutMs: 40 });
  try {
    return await body(session, device);
  } finally {
    await session.close();
  }
}

const bytesOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe('tensors larger than a frame (host)', () => {
  it('an input of any size reaches the device whole through lost replies, and a withheld output and layer ticks come back whole (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          floats: fc.integer({ min: 1, max: 6000 }),
          outputCount: fc.integer({ min: 1, max: 3000 }),
          layers: fc.integer({ min: 1, max: 200 }),
          maxFrame: fc.integer({ min: 256, max: 4096 }),
          loss: fc.constantFrom(0, 0.1),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        async ({ floats, outputCount, layers, maxFrame, loss, seed }) => {
          const input = new Float32Array(bytesOf(floats * 4, seed).buffer);
          await withDevice({ inputBytes: floats * 4, outputCount, layers, maxFrame, loss, seed }, async (session, device) => {
            const result = await inferOnDevice(session, { mode: 'dense', input, timeoutMs: 60_000 });
            expect(Buffer.from(device.received!).equals(Buffer.from(input.buffer))).toBe(true);
            const sum = bytesOf(floats * 4, seed).reduce((total, byte) => total + byte, 0);
            expect(result.output.length).toBe(outputCount);
            expect(result.output[outputCount - 1]).toBe(Math.fround(sum + outputCount - 1));
            expect(result.output[0]).toBe(Math.fround(sum));
            expect(result.layerTicks).toEqual(Array.from({ length: layers }, (_, layer) => BigInt(layer + 1)));
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a CIFAR input (12 KiB) to a 4 KiB-frame device goes in pieces, each within the frame', async () => {
    await withDevice({ inputBytes: 12_288, outputCount: 10, layers: 10, maxFrame: 4096 }, async (session, device) => {
      const result = await inferOnDevice(session, { mode: 'dense', input: new Float32Array(3072).fill(0.5) });
      expect(device.pieces).toBe(4); // 4064 B each at most: 12,288 B in four
      expect(result.output).toHaveLength(10);
    });
  });

  it('the device refusing the INFER (busy, wrong size) is its typed error, not what its pieces drew', async () => {
    const input = new Float32Array(3000);
    await withDevice({ inputBytes: 12_000, outputCount: 10, layers: 3, maxFrame: 1024, busy: true }, async (session) => {
      await expect(inferOnDevice(session, { mode: 'dense', input })).rejects.toMatchObject({ name: 'DeviceError', code: 'device_busy' });
    });
    await withDevice({ inputBytes: 12_288, outputCount: 10, layers: 3, maxFrame: 1024 }, async (session) => {
      const error = await inferOnDevice(session, { mode: 'dense', input }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DeviceError);
      expect(error).toMatchObject({ code: 'device_invalid', facts: { request: 'INFER', need: 12_000n, have: 12_288n } });
    });
  });

  it('a device that stops answering mid-input gives a typed piece timeout naming the piece, after its re-sends', async () => {
    await withDevice({ inputBytes: 12_000, outputCount: 10, layers: 3, maxFrame: 1024, silentAfterPieces: 5 }, async (session, device) => {
      const error = await inferOnDevice(session, { mode: 'dense', input: new Float32Array(3000), timeoutMs: 60_000 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PieceTimeoutError);
      expect(error).toMatchObject({ code: 'piece_timeout', facts: { request: 'INFER_PART', offset: 5 * (1015 - 32), size: 12_000, attempts: 4 } });
      expect(device.pieces).toBe(5 + 4);
    });
  });
});

// A conversation with one device over any Transport: HELLO, requests matched to
// replies by id with a timeout each, unsolicited messages, and a clean close.
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import {
  Channel,
  decodeMessage,
  DEFAULT_MAX_FRAME,
  type DeviceBody,
  type DeviceMessage,
  type DeviceMessageOf,
  encodeMessage,
  FRAME_OVERHEAD_BYTES,
  FrameFlag,
  type FrameError,
  type HostBody,
  type HostMessage,
  LARGEST_MAX_FRAME,
  MessageError,
  maxMessageBytes,
  REPLY_TYPE,
  type RequestName,
} from '@rtinfer/protocol';
import { DeviceError, HandshakeError, LinkClosedError, RequestTimeoutError } from '../errors.js';
import type { ReceivedMessage, Transport } from '../transport/transport.js';

export const PROTOCOL_VERSION = 1;

export type DeviceInfo = DeviceBody<'HELLO'>;
type ReplyOf<R extends RequestName> = DeviceMessageOf<(typeof REPLY_TYPE)[R]>;

export interface SessionOptions {
  /** Per-request default, SPEC.md §3.3. */
  timeoutMs?: number;
  helloTimeoutMs?: number;
  helloAttempts?: number;
  /** HELLO `want` bits (SPEC.md §4.1): HelloWant.TEE_KEY asks a TEE device for its TA's public key. */
  helloWant?: number;
}

export interface SessionStatistics {
  requests: number;
  replies: number;
  timeouts: number;
  /** Replies that came after their request timed out, or matched no request. */
  late: number;
  /** Messages rejected by the codec, by reason (cbor, shape, schema, unknown_type). */
  rejected: Record<string, number>;
  resets: number;
}

export interface SessionEvents {
  /** Messages with id 0 (TRACE, LOG, unsolicited MODEL_ACK, boot HELLO). */
  unsolicited: (message: DeviceMessage) => void;
  /** The device rebooted (BOOT flag seen after the handshake). */
  reset: (info: DeviceInfo | undefined) => void;
  /** Input the session could not use: dropped frames and rejected messages. */
  problem: (error: FrameError | MessageError) => void;
  closed: (error: LinkClosedError | undefined) => void;
}

interface Pending {
  request: string;
  expected: string;
  resolve: (message: DeviceMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class DeviceSession extends EventEmitter {
  info: DeviceInfo | undefined;
  readonly statistics: SessionStatistics = { requests: 0, replies: 0, timeouts: 0, late: 0, rejected: {}, resets: 0 };
  private readonly pending = new Map<number, Pending>();
  private nextId = randomInt(1, 0xffffffff);
  private closedWith: LinkClosedError | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly helloAttempts: number;
  private readonly helloWant: number;

  /** Opens the transport, flushes it and performs the HELLO handshake. */
  static async connect(transport: Transport, options: SessionOptions = {}): Promise<DeviceSession> {
    const session = new DeviceSession(transport, options);
    await transport.open();
    try {
      await session.handshake();
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  constructor(
    readonly transport: Transport,
    options: SessionOptions = {},
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 500;
    this.helloAttempts = options.helloAttempts ?? 3;
    this.helloWant = options.helloWant ?? 0;
    transport.on('message', (message) => this.receive(message));
    transport.on('dropped', (error) => this.emit('problem', error));
    transport.on('error', (error) => this.shutDown(error instanceof LinkClosedError ? error : new LinkClosedError(transport.description, error.message, error)));
    transport.on('close', () => this.shutDown(new LinkClosedError(transport.description, 'the port closed')));
  }

  get description(): string {
    return this.info ? `${this.info.board} ${this.info.deviceId} (${this.transport.description})` : this.transport.description;
  }

  /**
   * Sends a request and resolves with its reply; rejects with DeviceError,
   * RequestTimeoutError or LinkClosedError. `retries` re-sends after a timeout,
   * with a new id: only for requests that are idempotent (SPEC.md §4: STATUS,
   * BEGIN, which resumes, and COMMIT). `backoff` multiplies the wait before each re-send (1: the same wait).
   */
  async request<R extends RequestName>(
    type: R,
    body: HostBody<R>,
    options: { timeoutMs?: number; retries?: number; backoff?: number } = {},
  ): Promise<ReplyOf<R>> {
    let timeoutMs = options.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(type, body, timeoutMs);
      } catch (error) {
        if (!(error instanceof RequestTimeoutError) || attempt >= (options.retries ?? 0)) throw error;
        timeoutMs *= options.backoff ?? 1;
      }
    }
  }

  private async requestOnce<R extends RequestName>(type: R, body: HostBody<R>, timeoutMsOption: number | undefined): Promise<ReplyOf<R>> {
    if (this.closedWith) throw this.closedWith;
    if (this.closed) throw new LinkClosedError(this.transport.description, 'session closed');
    const id = this.allocateId();
    const timeoutMs = timeoutMsOption ?? this.timeoutMs;
    const bytes = encodeMessage('h2d', { type, id, body } as HostMessage);
    const reply = new Promise<DeviceMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.statistics.timeouts++;
        reject(new RequestTimeoutError(type, id, timeoutMs, this.description));
      }, timeoutMs);
      this.pending.set(id, { request: type, expected: REPLY_TYPE[type], resolve, reject, timer });
    });
    // The link can fail while send() is still waiting: the rejection must count as handled until we await it.
    reply.catch(() => {});
    this.statistics.requests++;
    try {
      await this.transport.send(bytes, Channel.CONTROL);
    } catch (error) {
      this.settle(id)?.reject(error as Error);
    }
    return (await reply) as ReplyOf<R>;
  }

  /** Sends a message that has no reply (MODEL_CHUNK). */
  async post(message: HostMessage, channel: number): Promise<void> {
    if (this.closedWith) throw this.closedWith;
    await this.transport.send(encodeMessage('h2d', message), channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.rejectAllPending((pending) => new LinkClosedError(this.transport.description, `session closed while ${pending.request} was waiting`));
    await this.transport.close();
  }

  private async handshake(): Promise<void> {
    const { helloTimeoutMs: timeoutMs, helloAttempts: attempts } = this;
    try {
      const reply = await this.request(
        'HELLO',
        {
          proto: PROTOCOL_VERSION,
          maxFrame: maxFrameOf(this.transport.ownMaxMessageBytes),
          host: hostname().slice(0, 64),
          ...(this.helloWant !== 0 ? { want: this.helloWant } : {}),
        },
        { timeoutMs, retries: attempts - 1 },
      );
      this.adopt(reply.body);
    } catch (error) {
      if (!(error instanceof RequestTimeoutError)) throw error;
      throw new HandshakeError(
        'no_hello',
        `no HELLO reply from ${this.transport.description} after ${attempts} attempts of ${timeoutMs} ms: is it running rtinfer firmware, at the right baud rate?`,
        { device: this.transport.description, attempts, timeoutMs },
      );
    }
  }

  private adopt(info: DeviceInfo): void {
    if (info.proto !== PROTOCOL_VERSION) {
      throw new HandshakeError('version', `${this.transport.description} speaks protocol ${info.proto}, this host speaks ${PROTOCOL_VERSION}`, {
        device: this.transport.description,
        have: info.proto,
        need: PROTOCOL_VERSION,
      });
    }
    this.info = info;
    this.transport.peerMaxMessageBytes = maxMessageBytes(info.maxFrame);
  }

  private receive(received: ReceivedMessage): void {
    let message: DeviceMessage;
    try {
      message = decodeMessage('d2h', received.bytes);
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      this.statistics.rejected[error.reason] = (this.statistics.rejected[error.reason] ?? 0) + 1;
      this.emit('problem', error);
      return;
    }
    if ((received.flags & FrameFlag.BOOT) !== 0 && this.info !== undefined && message.type === 'HELLO' && message.id === 0) {
      this.statistics.resets++;
      this.info = message.body;
      // A rebooted device assumes 256-byte frames until a new HELLO (SPEC.md §2.3).
      this.transport.peerMaxMessageBytes = maxMessageBytes(DEFAULT_MAX_FRAME);
      this.emit('reset', message.body);
      this.handshake().catch((error: Error) =>
        this.shutDown(new LinkClosedError(this.transport.description, `device reset and then failed the handshake: ${error.message}`, error)),
      );
    }
    if (message.id === 0) {
      this.emit('unsolicited', message);
      return;
    }
    const pending = this.settle(message.id);
    if (!pending) {
      this.statistics.late++;
      return;
    }
    this.statistics.replies++;
    if (message.type === 'ERROR') pending.reject(new DeviceError(pending.request, message.body, this.description));
    else if (message.type !== pending.expected) {
      pending.reject(
        new MessageError('schema', `${pending.request} was answered with ${message.type}, expected ${pending.expected}`, { id: message.id }),
      );
    } else pending.resolve(message);
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.pending.delete(id);
    return pending;
  }

  private allocateId(): number {
    do {
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    } while (this.pending.has(this.nextId));
    return this.nextId;
  }

  private shutDown(error: LinkClosedError): void {
    if (this.closedWith || this.closed) return;
    this.closedWith = error;
    this.rejectAllPending(() => error);
    this.emit('closed', error);
  }

  private rejectAllPending(errorFor: (pending: Pending) => Error): void {
    for (const [id, pending] of this.pending) {
      this.settle(id);
      pending.reject(errorFor(pending));
    }
  }

  override on<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): this {
    return super.on(event, listener);
  }
}

function maxFrameOf(messageBytes: number): number {
  return Math.min(LARGEST_MAX_FRAME, messageBytes + FRAME_OVERHEAD_BYTES);
}

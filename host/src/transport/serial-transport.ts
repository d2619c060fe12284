// A Transport over a serial port (a board's USB CDC/UART, or the POSIX sim's
// pseudo-terminal): node-serialport for the bytes, SPEC.md §2 framing on top.
import { EventEmitter } from 'node:events';
import {
  Channel,
  DEFAULT_MAX_FRAME,
  encodeFrame,
  FRAME_VERSION,
  FrameDecoder,
  LARGEST_MAX_FRAME,
  maxMessageBytes,
} from '@rtinfer/protocol';
import { SerialPort } from 'serialport';
import { LinkClosedError, PortError } from '../errors.js';
import { applySerialportPollerFix } from './serialport-poller-fix.js';
import type { LinkStatistics, Transport, TransportEvents } from './transport.js';

export interface SerialTransportOptions {
  path: string;
  /** Ignored by pseudo-terminals; must match the board's UART. */
  baudRate?: number;
}

applySerialportPollerFix();

export class SerialTransport extends EventEmitter implements Transport {
  readonly description: string;
  peerMaxMessageBytes = maxMessageBytes(DEFAULT_MAX_FRAME);
  /** The host's receive buffer takes the largest frame the protocol allows. */
  readonly ownMaxMessageBytes = maxMessageBytes(LARGEST_MAX_FRAME);
  private readonly decoder = new FrameDecoder({ maxFrame: LARGEST_MAX_FRAME });
  private readonly port: SerialPort;
  private seq = 0;
  private failed: Error | undefined;
  private bytesOut = 0;
  private messagesIn = 0;
  private messagesOut = 0;

  constructor(private readonly options: SerialTransportOptions) {
    super();
    this.description = `serial ${options.path}`;
    // lock: an exclusive flock, so a second program opening the board fails loudly instead of stealing bytes.
    this.port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 115_200, autoOpen: false, lock: true });
    this.port.on('data', (chunk: Buffer) => this.receive(chunk));
    this.port.on('error', (error: Error) => this.fail(error));
    this.port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (error?.disconnected) this.fail(error);
      this.emit('close');
    });
  }

  get isOpen(): boolean {
    return this.port.isOpen && this.failed === undefined;
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.port.open((error) => (error ? reject(describeOpenError(this.options.path, error)) : resolve())),
    );
    // Stale bytes (a half-sent frame, a boot banner sent before we listened) must not
    // be mistaken for replies: drop what the OS buffered, then close any partial
    // frame the device is holding with a delimiter.
    await new Promise<void>((resolve, reject) => this.port.flush((error) => (error ? reject(error) : resolve())));
    this.decoder.resetSequence();
    await this.write(Uint8Array.of(0));
  }

  async send(message: Uint8Array, channel: number = Channel.CONTROL): Promise<void> {
    if (message.length > this.peerMaxMessageBytes) {
      throw new RangeError(`message of ${message.length} bytes exceeds the peer's limit of ${this.peerMaxMessageBytes}`);
    }
    const wire = encodeFrame({ version: FRAME_VERSION, flags: 0, channel, seq: this.seq }, message);
    this.seq = (this.seq + 1) & 0xffff;
    await this.write(wire);
    this.messagesOut++;
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  statistics(): LinkStatistics {
    const { bytes, framesOk: _framesOk, lost, ...dropped } = this.decoder.counters;
    return { bytesIn: bytes, bytesOut: this.bytesOut, messagesIn: this.messagesIn, messagesOut: this.messagesOut, dropped, lost };
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (this.failed) throw new LinkClosedError(this.description, this.failed.message, this.failed);
    if (!this.port.isOpen) throw new LinkClosedError(this.description, 'port is not open');
    await new Promise<void>((resolve, reject) => {
      // A USB unplug may not emit 'close'; a failed write is often the first sign.
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (error) => {
        if (error) {
          this.fail(error);
          reject(new LinkClosedError(this.description, error.message, error));
        }
      });
      this.port.drain((error) => (error ? reject(new LinkClosedError(this.description, error.message, error)) : resolve()));
    });
    this.bytesOut += bytes.length;
  }

  private receive(chunk: Buffer): void {
    for (const event of this.decoder.push(chunk)) {
      if (event.kind === 'drop') {
        this.emit('dropped', event.error);
        continue;
      }
      this.messagesIn++;
      const { header, message, wireBytes } = event.frame;
      this.emit('message', { bytes: message, channel: header.channel, flags: header.flags, linkBytes: wireBytes });
    }
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    this.emit('error', new LinkClosedError(this.description, error.message, error));
  }

  override on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this {
    return super.off(event, listener);
  }
}

function describeOpenError(path: string, error: Error): PortError {
  const text = error.message;
  if (/lock/i.test(text)) {
    return new PortError('port_busy', `${path} is held by another program (${text}); close it or stop the daemon that owns it`, { path });
  }
  if (/ENOENT|No such file/i.test(text)) {
    return new PortError('port_missing', `${path} does not exist: is the board plugged in? (\`rtinfer devices\` lists what is)`, { path });
  }
  if (/EACCES|Permission denied/i.test(text)) {
    return new PortError('port_permission', `no permission to open ${path}: add yourself to the dialout group, then log in again`, { path });
  }
  return new PortError('port_open_failed', `cannot open ${path}: ${text}`, { path });
}

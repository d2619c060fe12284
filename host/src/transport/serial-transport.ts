// A Transport over a serial port (a board's USB CDC/UART, or the POSIX sim's
// pseudo-terminal): node-serialport for the bytes, SPEC.md §2 framing on top.
import {
  Channel,
  DEFAULT_MAX_FRAME,
  encodeFrame,
  FRAME_VERSION,
  FrameDecoder,
  LARGEST_MAX_FRAME,
  maxMessageBytes,
} from '@rtinfer/protocol';
import type { SerialPort } from 'serialport';
import { LinkClosedError } from '../errors.js';
import { closeSerialPort, openSerialPort } from './serial-port.js';
import { type LinkStatistics, type Transport, TransportEmitter } from './transport.js';

export interface SerialTransportOptions {
  path: string;
  /** Ignored by pseudo-terminals; must match the board's UART. */
  baudRate?: number;
}

export class SerialTransport extends TransportEmitter implements Transport {
  readonly description: string;
  peerMaxMessageBytes = maxMessageBytes(DEFAULT_MAX_FRAME);
  /** The host's receive buffer takes the largest frame the protocol allows. */
  readonly ownMaxMessageBytes = maxMessageBytes(LARGEST_MAX_FRAME);
  private readonly decoder = new FrameDecoder({ maxFrame: LARGEST_MAX_FRAME });
  private port: SerialPort | undefined;
  private seq = 0;
  private failed: Error | undefined;
  private bytesOut = 0;
  private messagesOut = 0;

  constructor(private readonly options: SerialTransportOptions) {
    super();
    this.description = `serial ${options.path}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true && this.failed === undefined;
  }

  async open(): Promise<void> {
    const port = await openSerialPort(this.options.path, { baudRate: this.options.baudRate, lock: true });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.receive(chunk));
    port.on('error', (error: Error) => this.fail(error));
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (error?.disconnected) this.fail(error);
      this.emit('close');
    });
    // Stale bytes (a half-sent frame, a boot banner sent before we listened) must not
    // be mistaken for replies: drop what the OS buffered, then close any partial
    // frame the device is holding with a delimiter.
    await new Promise<void>((resolve, reject) => port.flush((error) => (error ? reject(error) : resolve())));
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
    if (this.port) await closeSerialPort(this.port);
  }

  statistics(): LinkStatistics {
    const { bytes, framesOk, lost, ...dropped } = this.decoder.counters;
    return { bytesIn: bytes, bytesOut: this.bytesOut, messagesIn: framesOk, messagesOut: this.messagesOut, dropped, lost };
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (this.failed) throw new LinkClosedError(this.description, this.failed.message, this.failed);
    const port = this.port;
    if (!port?.isOpen) throw new LinkClosedError(this.description, 'port is not open');
    await new Promise<void>((resolve, reject) => {
      // A USB unplug may not emit 'close'; a failed write is often the first sign.
      port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (error) => {
        if (error) {
          this.fail(error);
          reject(new LinkClosedError(this.description, error.message, error));
        }
      });
      port.drain((error) => (error ? reject(new LinkClosedError(this.description, error.message, error)) : resolve()));
    });
    this.bytesOut += bytes.length;
  }

  private receive(chunk: Buffer): void {
    for (const event of this.decoder.push(chunk)) {
      if (event.kind === 'drop') {
        this.emit('dropped', event.error);
        continue;
      }
      const { header, message, wireBytes } = event.frame;
      this.emit('message', { bytes: message, channel: header.channel, flags: header.flags, linkBytes: wireBytes });
    }
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    this.emit('error', new LinkClosedError(this.description, error.message, error));
  }
}

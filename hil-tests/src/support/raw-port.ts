// A serial port driven at the byte level with the protocol codec, for tests that
// must send what a well-behaved peer never would.
import {
  decodeMessage,
  type DecodedFrame,
  type DeviceMessage,
  encodeFrame,
  encodeMessage,
  FrameDecoder,
  type FrameHeader,
  type HostMessage,
  LARGEST_MAX_FRAME,
} from '@rtinfer/protocol';
import { closeSerialPort, openSerialPort } from 'rtinfer';
import type { SerialPort } from 'serialport';

export class RawPort {
  readonly decoder = new FrameDecoder({ maxFrame: LARGEST_MAX_FRAME });
  private readonly frames: DecodedFrame[] = [];
  private waiters: (() => void)[] = [];
  private seq = 0;

  private constructor(readonly port: SerialPort) {
    port.on('data', (chunk: Buffer) => {
      for (const event of this.decoder.push(chunk)) if (event.kind === 'frame') this.frames.push(event.frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(path: string): Promise<RawPort> {
    return new RawPort(await openSerialPort(path));
  }

  async write(bytes: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.port.write(Buffer.from(bytes), (error) => (error ? reject(error) : undefined));
      this.port.drain((error) => (error ? reject(error) : resolve()));
    });
  }

  frame(messageBytes: Uint8Array, header: Partial<FrameHeader> = {}): Uint8Array {
    return encodeFrame({ version: 1, flags: 0, channel: 0, seq: this.seq++ & 0xffff, ...header }, messageBytes);
  }

  async sendHost(message: HostMessage): Promise<void> {
    await this.write(this.frame(encodeMessage('h2d', message)));
  }

  async sendDevice(message: DeviceMessage, header: Partial<FrameHeader> = {}): Promise<void> {
    await this.write(this.frame(encodeMessage('d2h', message), header));
  }

  /** The next frame to arrive, within `timeoutMs`. */
  async nextFrame(timeoutMs = 2000): Promise<DecodedFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  /** The next device message, skipping unsolicited ones (id 0) unless asked for. */
  async nextDeviceMessage(options: { includeUnsolicited?: boolean; timeoutMs?: number } = {}): Promise<DeviceMessage> {
    for (;;) {
      const message = decodeMessage('d2h', (await this.nextFrame(options.timeoutMs)).message);
      if (message.id !== 0 || options.includeUnsolicited) return message;
    }
  }

  async nextHostMessage(timeoutMs?: number): Promise<HostMessage> {
    return decodeMessage('h2d', (await this.nextFrame(timeoutMs)).message);
  }

  async close(): Promise<void> {
    await closeSerialPort(this.port);
  }
}

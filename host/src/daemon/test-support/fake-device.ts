// A device played in-process for the daemon's unit tests: answers HELLO and PING
// over a Transport until it is "unplugged" — silently, as a hung USB link is:
// no close, no error, just no replies. It accepts a model push (MODEL_STATUS,
// MODEL_BEGIN) but never acknowledges a chunk, so a push stalls until cancelled.
// A periodic run (TASKSET, RUN, STOP) sends `runTrace` after RUN and counts STOPs.
import { decodeMessage, type DeviceMessage, encodeMessage, maxMessageBytes } from '@rtinfer/protocol';
import { DeviceSession } from '../../device/session.js';
import { type LinkStatistics, type Transport, TransportEmitter } from '../../transport/transport.js';

export const FAKE_HELLO = {
  proto: 1,
  maxFrame: 1024,
  board: 'fake',
  firmware: '0.0.1',
  deviceId: 'fake-1',
  clockHz: 1_000_000n,
  caps: 0,
  ram: 1024,
  slotSize: 0,
  slots: 0,
  bootId: 1,
  uptime: 0n,
};

export class FakeDevice {
  /** False: the device is gone; opening fails, and open links get no replies. */
  plugged = true;
  opened = 0;
  /** TRACE batches the device sends once it has answered RUN. */
  runTrace: DeviceMessage[] = [];
  stops = 0;
  /** Set: PING answers with this device time forever, as a device whose counter stopped would. */
  frozenClock: bigint | undefined;
  private link: FakeLink | undefined;

  /** A session to the device, as DeviceEndpoint.open makes one. */
  async open(): Promise<DeviceSession> {
    if (!this.plugged) throw new Error('no such device');
    this.opened++;
    this.link = new FakeLink(this);
    return DeviceSession.connect(this.link, { helloTimeoutMs: 100, helloAttempts: 1 });
  }

  /** Sends an unsolicited message (a TRACE batch) on the open link. */
  emit(message: DeviceMessage): void {
    this.link?.deliver(message);
  }
}

class FakeLink extends TransportEmitter implements Transport {
  readonly description = 'fake link';
  isOpen = false;
  peerMaxMessageBytes = maxMessageBytes(256);
  readonly ownMaxMessageBytes = maxMessageBytes(1024);

  constructor(private readonly device: FakeDevice) {
    super();
  }

  async open(): Promise<void> {
    this.isOpen = true;
  }

  async send(bytes: Uint8Array): Promise<void> {
    if (!this.device.plugged) return;
    const request = decodeMessage('h2d', bytes);
    if (request.type === 'HELLO') this.deliver({ type: 'HELLO', id: request.id, body: FAKE_HELLO });
    else if (request.type === 'PING') {
      // A clock at FAKE_HELLO.clockHz (1 MHz) that runs with the host's, as a real device's does.
      const now = this.device.frozenClock ?? BigInt(Math.round(performance.now() * 1000));
      this.deliver({ type: 'PING', id: request.id, body: { t1: request.body.t1, t2: now, t3: now + 1n } });
    }
    else if (request.type === 'MODEL_STATUS') this.deliver({ type: 'MODEL_STATUS', id: request.id, body: { slots: [] } });
    else if (request.type === 'MODEL_BEGIN') this.deliver({ type: 'MODEL_ACK', id: request.id, body: { slot: 0, next: 0, chunk: 256, window: 2 } });
    else if (request.type === 'TASKSET') this.deliver({ type: 'TASKSET', id: request.id, body: { tasks: request.body.tasks.length } });
    else if (request.type === 'RUN') {
      this.deliver({ type: 'RUN', id: request.id, body: { start: 1000n } });
      for (const message of this.device.runTrace) this.deliver(message);
    } else if (request.type === 'STOP') {
      this.device.stops++;
      this.deliver({ type: 'STOP', id: request.id, body: { ticks: 5000n, released: 3, completed: 2, missed: 1, dropped: 0 } });
    }
  }

  deliver(message: DeviceMessage): void {
    const bytes = encodeMessage('d2h', message);
    setImmediate(() => this.emit('message', { bytes, channel: 0, flags: 0, linkBytes: bytes.length }));
  }

  async close(): Promise<void> {
    this.isOpen = false;
  }

  statistics(): LinkStatistics {
    return { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, dropped: {}, lost: 0 };
  }
}

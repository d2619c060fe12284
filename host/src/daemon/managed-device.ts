// One device the daemon owns: connects, watches and reconnects it for as long as
// the daemon runs. It is marked offline when the session closes, when the port's
// path vanishes, or when health PINGs go unanswered (an unplug that closes
// nothing), and retried with capped, jittered exponential backoff.
import { EventEmitter } from 'node:events';
import type { DeviceMessage } from '@rtinfer/protocol';
import { pingOnce } from '../device/ping.js';
import type { DeviceInfo, DeviceSession } from '../device/session.js';
import type { ReconnectSettings } from '../lab/lab-config.js';
import { Backoff, seedFor, sleep } from './backoff.js';
import { DeviceBusyError } from './daemon-errors.js';
import type { DeviceEndpoint } from './device-endpoint.js';
import type { DeviceRow } from './rpc-messages.js';

export interface ManagedDeviceOptions {
  id: string;
  endpoint: DeviceEndpoint;
  reconnect: ReconnectSettings;
  healthIntervalMs: number;
  /** Unanswered health PINGs in a row that count as an unplug. */
  healthFailures?: number;
  discovered?: boolean;
  seed?: number;
}

export interface ManagedDeviceEvents {
  change: () => void;
  trace: (message: DeviceMessage) => void;
}

export class ManagedDevice extends EventEmitter {
  readonly id: string;
  private state: DeviceRow['state'] = 'connecting';
  private since = new Date().toISOString();
  private address: string | undefined;
  private info: DeviceInfo | undefined;
  private lastError: string | undefined;
  private reconnects = 0;
  private current: DeviceSession | undefined;
  private busy = 0;
  private exclusive: string | undefined;
  private readonly stopper = new AbortController();
  private readonly backoff: Backoff;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ManagedDeviceOptions) {
    super();
    this.id = options.id;
    this.backoff = new Backoff(options.reconnect, options.seed ?? seedFor(options.id));
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /** The live session, or undefined while the device is offline. */
  get session(): DeviceSession | undefined {
    return this.state === 'online' ? this.current : undefined;
  }

  /**
   * Runs `work` on the session with health PINGs paused (a push keeps the link
   * busy enough); undefined when the device is offline. An `exclusive` job (a
   * push) refuses to start while another one runs: two pushes cannot share a link.
   */
  async withSession<T>(work: (session: DeviceSession) => Promise<T>, exclusive?: string): Promise<T | undefined> {
    const session = this.session;
    if (!session) return undefined;
    if (exclusive !== undefined) {
      if (this.exclusive !== undefined) throw new DeviceBusyError(this.id, this.exclusive);
      this.exclusive = exclusive;
    }
    this.busy++;
    try {
      return await work(session);
    } finally {
      this.busy--;
      if (exclusive !== undefined) this.exclusive = undefined;
    }
  }

  row(): DeviceRow {
    const info = this.info;
    return {
      id: this.id,
      kind: this.options.endpoint.kind,
      ...(this.address ? { address: this.address } : {}),
      state: this.state,
      since: this.since,
      ...(info
        ? {
            hello: {
              deviceId: info.deviceId, board: info.board, firmware: info.firmware, maxFrame: info.maxFrame, clockHz: Number(info.clockHz), caps: info.caps, slots: info.slots, bootId: info.bootId,
              // A TEE device's TA: its heap budget and key fingerprint, so a bench's listing tells which key to pin.
              ...(info.teeHeap !== undefined ? { teeHeap: info.teeHeap } : {}),
              ...(info.teeKeySha256 !== undefined ? { teeKeySha256: Buffer.from(info.teeKeySha256).toString('hex') } : {}),
            },
          }
        : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      reconnects: this.reconnects,
      ...(this.options.discovered ? { discovered: true } : {}),
    };
  }

  private set(state: DeviceRow['state'], error?: string): void {
    if (error !== undefined) this.lastError = error;
    if (state !== this.state) {
      this.state = state;
      this.since = new Date().toISOString();
    }
    this.emit('change');
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      let address: string | undefined;
      try {
        address = this.options.endpoint.locate();
        if (address === undefined) this.set('offline', `not found (${this.options.endpoint.describe()})`);
        else {
          this.address = address;
          this.current = await this.options.endpoint.open(address);
        }
      } catch (error) {
        this.set('offline', (error as Error).message);
      }
      const session = this.current;
      if (session && signal.aborted) break; // closed below
      if (session) {
        this.backoff.reset();
        this.info = session.info;
        const onReset = (info: DeviceInfo | undefined) => {
          this.info = info ?? this.info;
          this.emit('change');
        };
        const onMessage = (message: DeviceMessage) => {
          if (message.type === 'TRACE') this.emit('trace', message);
        };
        session.on('reset', onReset);
        session.on('unsolicited', onMessage);
        this.set('online');
        const reason = await this.watch(session, address!);
        session.off('reset', onReset);
        session.off('unsolicited', onMessage);
        this.current = undefined;
        await session.close().catch(() => {});
        if (signal.aborted) break;
        this.reconnects++;
        this.set('offline', reason);
      }
      this.current = undefined;
      if (!(await sleep(this.backoff.next(), signal))) break;
      if (this.state === 'offline') this.set('connecting');
    }
    if (this.current) await this.current.close().catch(() => {});
    this.current = undefined;
    this.set('offline', 'the daemon stopped');
  }

  /** Resolves with the reason the session is gone, or when the daemon stops. */
  private watch(session: DeviceSession, address: string): Promise<string> {
    const failuresAllowed = this.options.healthFailures ?? 2;
    return new Promise((resolve) => {
      let failures = 0;
      let checking = false;
      const done = (reason: string) => {
        clearInterval(timer);
        session.off('closed', onClosed);
        this.stopper.signal.removeEventListener('abort', onStop);
        resolve(reason);
      };
      const onClosed = (error: Error | undefined) => done(error?.message ?? 'the link closed');
      const onStop = () => done('the daemon stopped');
      const check = async () => {
        if (checking) return;
        if (!this.options.endpoint.present(address)) return done(`${address} vanished (unplugged?)`);
        if (this.busy > 0) return;
        checking = true;
        try {
          await pingOnce(session, { timeoutMs: Math.min(1000, this.options.healthIntervalMs) });
          failures = 0;
        } catch (error) {
          failures++;
          if (failures >= failuresAllowed) done(`${failures} health PINGs failed, last: ${(error as Error).message}`);
        } finally {
          checking = false;
        }
      };
      const timer = setInterval(() => void check(), this.options.healthIntervalMs);
      session.on('closed', onClosed);
      this.stopper.signal.addEventListener('abort', onStop, { once: true });
    });
  }

  override on<E extends keyof ManagedDeviceEvents>(event: E, listener: ManagedDeviceEvents[E]): this {
    return super.on(event, listener);
  }
}

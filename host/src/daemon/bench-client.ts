// The CLI's side of the daemon protocol: finds benches on a broker (their
// retained info and device tables) and calls a bench's daemon, with progress
// notices, matched to the request by its id.
import { randomBytes } from 'node:crypto';
import { type DeviceMessage, decodeMessage } from '@rtinfer/protocol';
import type { MqttClient } from 'mqtt';
import type { BrokerAccess } from '../lab/broker-access.js';
import { ALL_BENCHES, benchOfTopic, benchTopics } from './bench-topics.js';
import { connectBroker, type ConnectOptions } from './broker-connect.js';
import { BenchOfflineError, DaemonTimeoutError, UnknownBenchError } from './daemon-errors.js';
import { type BenchInfo, type DeviceTable, parseJson, RemoteError, type RpcReply, toPayload } from './rpc-messages.js';

export interface SeenBench {
  info: BenchInfo;
  table?: DeviceTable;
}

export interface CallOptions {
  onProgress?: (data: unknown) => void;
  /** Longest silence from the daemon (no progress, no result) before giving up. */
  idleTimeoutMs?: number;
  /** Aborting asks the daemon to cancel the request; the call then ends with the daemon's answer (a push: `interrupted`). */
  signal?: AbortSignal;
}

/** How long retained bench messages may keep arriving after the subscription before the picture counts as complete. */
const QUIET_MS = 300;

export class BenchClient {
  readonly clientId = `rtinfer-cli-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly calls = new Map<string, { onReply: (reply: RpcReply) => void }>();
  private readonly replyTopics = new Set<string>();
  private readonly traceTopics = new Map<string, (payload: Buffer) => void>();

  private constructor(
    readonly client: MqttClient,
    readonly brokerUrl: string,
  ) {
    client.on('message', (topic, payload) => {
      if (this.traceTopics.has(topic)) return this.traceTopics.get(topic)!(payload);
      const reply = parseJson(payload) as RpcReply | undefined;
      if (reply && typeof reply.id === 'string') this.calls.get(reply.id)?.onReply(reply);
    });
  }

  static async connect(access: BrokerAccess, options: ConnectOptions = {}): Promise<BenchClient> {
    return new BenchClient(await connectBroker(access, options), access.url);
  }

  /**
   * The benches whose daemons have published on this broker (online or not),
   * collected until retained messages stop arriving, at most `waitMs`; with
   * `want`, until that bench's info has arrived.
   */
  async benches(options: { waitMs?: number; want?: string } = {}): Promise<Map<string, SeenBench>> {
    const waitMs = options.waitMs ?? 2000;
    const seen = new Map<string, SeenBench>();
    const tables = new Map<string, DeviceTable>();
    let settle: () => void = () => {};
    let quiet: NodeJS.Timeout | undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const restartQuiet = () => {
      clearTimeout(quiet);
      quiet = setTimeout(settle, QUIET_MS);
    };
    const onMessage = (topic: string, payload: Buffer) => {
      const bench = benchOfTopic(topic);
      if (bench === undefined || payload.length === 0) return;
      const value = parseJson(payload) as BenchInfo | DeviceTable | undefined;
      if (!value) return;
      if (topic.endsWith('/info')) seen.set(bench, { info: value as BenchInfo, ...(tables.has(bench) ? { table: tables.get(bench)! } : {}) });
      else if (topic.endsWith('/devices')) {
        tables.set(bench, value as DeviceTable);
        const entry = seen.get(bench);
        if (entry) entry.table = value as DeviceTable;
      }
      if (options.want !== undefined && seen.has(options.want) && tables.has(options.want)) settle();
      else restartQuiet();
    };
    this.client.on('message', onMessage);
    const deadline = setTimeout(settle, waitMs);
    try {
      await this.client.subscribeAsync([ALL_BENCHES.info, ALL_BENCHES.devices], { qos: 1 });
      if (options.want === undefined) restartQuiet();
      await settled;
    } finally {
      clearTimeout(deadline);
      clearTimeout(quiet);
      this.client.off('message', onMessage);
      await this.client.unsubscribeAsync([ALL_BENCHES.info, ALL_BENCHES.devices]).catch(() => {});
    }
    return seen;
  }

  /** Waits (bounded) for the bench's info; throws UnknownBenchError or BenchOfflineError. */
  async requireBench(bench: string, waitMs = 2000): Promise<SeenBench> {
    const seen = await this.benches({ waitMs, want: bench });
    const entry = seen.get(bench);
    if (!entry) throw new UnknownBenchError(bench, this.brokerUrl, [...seen.keys()].sort(), waitMs);
    if (!entry.info.online) throw new BenchOfflineError(bench, this.brokerUrl);
    return entry;
  }

  /** Calls a method of a bench's daemon; resolves with its result or throws its typed error. */
  async call(bench: string, method: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<unknown> {
    const topics = benchTopics(bench);
    const replyTo = topics.reply(this.clientId);
    if (!this.replyTopics.has(replyTo)) {
      await this.client.subscribeAsync(replyTo, { qos: 1 });
      this.replyTopics.add(replyTo);
    }
    const id = randomBytes(8).toString('hex');
    const idleTimeoutMs = options.idleTimeoutMs ?? 15_000;
    const cancel = () => {
      const request = { id: randomBytes(8).toString('hex'), method: 'cancel', params: { request: id }, replyTo };
      void this.client.publishAsync(topics.rpc, toPayload(request), { qos: 1 }).catch(() => {});
    };
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      return await new Promise<unknown>((resolve, reject) => {
        let timer: NodeJS.Timeout;
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => reject(new DaemonTimeoutError(bench, method, idleTimeoutMs)), idleTimeoutMs);
        };
        this.calls.set(id, {
          onReply: (reply) => {
            if (reply.kind === 'progress') {
              arm();
              options.onProgress?.(reply.data);
              return;
            }
            clearTimeout(timer);
            if (reply.kind === 'result') resolve(reply.result);
            else reject(new RemoteError(reply.error));
          },
        });
        arm();
        this.client.publishAsync(topics.rpc, toPayload({ id, method, params, replyTo }), { qos: 1 }).catch((error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    } finally {
      this.calls.delete(id);
      options.signal?.removeEventListener('abort', cancel);
    }
  }

  /**
   * Receives the TRACE batches a bench's daemon forwards for a device (during a
   * `run`, or after `trace.subscribe`), decoded, each as it arrives. Subscribe
   * before starting the run: the topic keeps nothing. Resolves once subscribed,
   * with the way to stop.
   */
  async subscribeTrace(bench: string, device: string, onMessage: (message: DeviceMessage) => void): Promise<() => Promise<void>> {
    const topic = benchTopics(bench).trace(device);
    this.traceTopics.set(topic, (payload) => {
      let message: DeviceMessage;
      try {
        message = decodeMessage('d2h', new Uint8Array(payload));
      } catch {
        return; // not a protocol message: nothing a deadline check could use
      }
      onMessage(message);
    });
    await this.client.subscribeAsync(topic, { qos: 1 });
    return async () => {
      this.traceTopics.delete(topic);
      await this.client.unsubscribeAsync(topic).catch(() => {});
    };
  }

  async close(): Promise<void> {
    await this.client.endAsync().catch(() => {});
  }
}

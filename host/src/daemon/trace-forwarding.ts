// Which devices' TRACE batches the daemon forwards to the bench's trace topic,
// and how: a `trace.subscribe` turns forwarding on (QoS 0, a live view that may
// drop); a `run` holds it on for its duration (QoS 1: a deadline check must see
// every batch) and counts what it forwarded, so the client knows when it has all.
import { type DeviceMessage, encodeMessage } from '@rtinfer/protocol';

export interface TraceHold {
  topic: string;
  /** Batches forwarded since the hold began, and the last one's batch counter. */
  forwarded(): { batches: number; lastBatch?: number };
  /** Ends the hold (forwarding goes on if a trace.subscribe asked for it). */
  release(): void;
}

interface Counter {
  batches: number;
  lastBatch?: number;
}

export class TraceForwarding {
  private readonly subscribed = new Set<string>();
  private readonly holds = new Map<string, Set<Counter>>();

  constructor(
    private readonly topicOf: (deviceId: string) => string,
    private readonly publish: (topic: string, payload: Buffer, qos: 0 | 1) => void,
  ) {}

  /** trace.subscribe / trace.unsubscribe: the topic the batches go to. */
  set(deviceId: string, on: boolean): string {
    if (on) this.subscribed.add(deviceId);
    else this.subscribed.delete(deviceId);
    return this.topicOf(deviceId);
  }

  hold(deviceId: string): TraceHold {
    const counter: Counter = { batches: 0 };
    const holders = this.holds.get(deviceId) ?? new Set<Counter>();
    holders.add(counter);
    this.holds.set(deviceId, holders);
    return {
      topic: this.topicOf(deviceId),
      forwarded: () => ({ batches: counter.batches, ...(counter.lastBatch !== undefined ? { lastBatch: counter.lastBatch } : {}) }),
      release: () => {
        holders.delete(counter);
        if (holders.size === 0 && this.holds.get(deviceId) === holders) this.holds.delete(deviceId);
      },
    };
  }

  /** A TRACE message from a device: published once, if anyone wants it. */
  forward(deviceId: string, message: DeviceMessage): void {
    if (message.type !== 'TRACE') return;
    const holders = this.holds.get(deviceId);
    if (!holders && !this.subscribed.has(deviceId)) return;
    for (const counter of holders ?? []) {
      counter.batches++;
      counter.lastBatch = message.body.batch;
    }
    this.publish(this.topicOf(deviceId), Buffer.from(encodeMessage('d2h', message)), holders ? 1 : 0);
  }
}

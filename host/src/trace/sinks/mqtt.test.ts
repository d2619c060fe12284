import mqtt from 'mqtt';
import { from, tap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startAedesBroker } from '../../transport/mqtt/brokers.js';
import { deadlineCheck$ } from '../deadline-check.js';
import { referenceTaskset, synthesizePeriodicTrace } from '../synthetic/periodic-trace.js';
import type { Verdict } from '../verdicts.js';
import { benchTopics } from '../../daemon/bench-topics.js';
import { publishVerdicts } from './mqtt.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startAedesBroker();
});
afterAll(async () => {
  await broker.stop();
});

async function subscriber(topic: string) {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  const received: { topic: string; body: { kind: string; [key: string]: unknown } }[] = [];
  client.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, received };
}

describe('publishVerdicts', () => {
  it('republishes misses and losses to …/verdicts and windowed statistics to …/stats', async () => {
    const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 1_000_000, dropBatches: [12] });
    const watcher = await subscriber('rtinfer/v1/bench/bench-a/#');
    const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    try {
      const verdicts: Verdict[] = [];
      const verdicts$ = deadlineCheck$(from(trace.messages), trace.header.taskset, { windowUs: 250_000 }).pipe(tap((verdict) => verdicts.push(verdict)));
      const result = await publishVerdicts(verdicts$, publisher, { bench: 'bench-a' });
      const expected = verdicts.filter((verdict) => verdict.kind !== 'job').length;
      expect(result).toEqual({ published: expected, shed: 0 });
      await expect.poll(() => watcher.received.length, { timeout: 5000 }).toBe(expected);
      const topics = benchTopics('bench-a');
      const onVerdicts = watcher.received.filter((message) => message.topic === topics.verdicts).map((message) => message.body);
      const onStats = watcher.received.filter((message) => message.topic === topics.stats).map((message) => message.body);
      expect(onVerdicts.filter((body) => body.kind === 'miss').length).toBe(verdicts.filter((verdict) => verdict.kind === 'miss').length);
      expect(onVerdicts).toContainEqual({ kind: 'batch_gap', expected: 12, got: 13, lost: 1 });
      expect(onStats.filter((body) => body.kind === 'stats')).toHaveLength(5); // 1 s of jobs in 250 ms windows, and the drain after
      expect(onStats.every((body) => body.kind === 'stats' || body.kind === 'world_switches')).toBe(true);
    } finally {
      await watcher.client.endAsync();
      await publisher.endAsync();
    }
  });

  it('sheds statistics beyond its in-flight bound and publishes the count', async () => {
    const watcher = await subscriber('rtinfer/v1/bench/bench-b/verdicts');
    const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    try {
      const stats = Array.from({ length: 50 }, (_, index): Verdict => ({ kind: 'stats', fromUs: index, toUs: index + 1, tasks: [], cpuLoad: 0 }));
      const result = await publishVerdicts(from(stats), publisher, { bench: 'bench-b', maxInFlight: 4 });
      // All 50 are produced synchronously: 4 go out, 46 are shed and reported in one message.
      expect(result).toEqual({ published: 5, shed: 46 });
      await expect.poll(() => watcher.received.map((message) => message.body), { timeout: 5000 }).toEqual([{ kind: 'shed', count: 46, byKind: { stats: 46 } }]);
    } finally {
      await watcher.client.endAsync();
      await publisher.endAsync();
    }
  });

  it('refuses a bench name that would break the topic', () => {
    expect(() => benchTopics('a/b')).toThrow(expect.objectContaining({ code: 'bad_bench_name' }));
  });
});

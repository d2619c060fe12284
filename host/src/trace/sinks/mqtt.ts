// Republishes a bench's verdicts and windowed statistics over MQTT:
//   rtinfer/v1/bench/<bench>/verdicts   misses, overruns, losses (QoS 1)
//   rtinfer/v1/bench/<bench>/stats      per-window statistics and world switches (QoS 1 too: the bound counts acknowledgements)
// Job records stay local (JSONL/CSV): one per job would flood a broker.
// Publishing is bounded: beyond `maxInFlight` unacknowledged messages, statistics
// are shed first, then verdicts beyond twice that; the count is published as a
// `shed` verdict as soon as there is room, so a subscriber learns of every loss.
import type { MqttClient } from 'mqtt';
import type { Observable } from 'rxjs';
import { benchTopics } from '../../daemon/bench-topics.js';
import { RtinferError } from '../../errors.js';
import type { Verdict } from '../verdicts.js';
import { jsonLine } from './json-safe.js';

export interface MqttSinkOptions {
  bench: string;
  /** Unacknowledged publishes allowed before shedding (Mosquitto queues 100 per client by default). */
  maxInFlight?: number;
}

export interface MqttSinkResult {
  published: number;
  shed: number;
}

export function publishVerdicts(verdicts$: Observable<Verdict>, client: MqttClient, options: MqttSinkOptions): Promise<MqttSinkResult> {
  const topics = benchTopics(options.bench);
  const maxInFlight = options.maxInFlight ?? 100;
  return new Promise((resolve, reject) => {
    let inFlight = 0;
    let published = 0;
    let shedTotal = 0;
    let shedPending = 0;
    let shedByKind: Record<string, number> = {};
    let completed = false;
    let failed = false;

    const settle = () => {
      if (completed && inFlight === 0 && !failed) resolve({ published, shed: shedTotal });
    };
    const send = (topic: string, payload: unknown, qos: 1) => {
      inFlight++;
      client.publish(topic, jsonLine(payload).trimEnd(), { qos }, (error) => {
        inFlight--;
        if (error) {
          failed = true;
          reject(new RtinferError('mqtt_publish_failed', `publishing to ${topic} failed: ${error.message}`, { topic }));
          return;
        }
        published++;
        if (shedPending > 0 && inFlight < maxInFlight) reportShed();
        settle();
      });
    };
    const reportShed = () => {
      const shed = { kind: 'shed', count: shedPending, byKind: shedByKind };
      shedPending = 0;
      shedByKind = {};
      send(topics.verdicts, shed, 1);
    };
    const shed = (kind: string) => {
      shedPending++;
      shedTotal++;
      shedByKind[kind] = (shedByKind[kind] ?? 0) + 1;
    };

    verdicts$.subscribe({
      next(verdict) {
        if (verdict.kind === 'job') return;
        const isStats = verdict.kind === 'stats' || verdict.kind === 'world_switches';
        if (inFlight >= (isStats ? maxInFlight : 2 * maxInFlight)) return shed(verdict.kind);
        if (shedPending > 0 && inFlight < maxInFlight) reportShed();
        send(isStats ? topics.stats : topics.verdicts, verdict, 1);
      },
      error: (error) => reject(error),
      complete() {
        completed = true;
        // The last shed count must go out even if nothing else follows it.
        if (shedPending > 0) reportShed();
        settle();
      },
    });
  });
}

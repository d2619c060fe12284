// The daemon's MQTT topics, beside the device topics of SPEC.md §5 (see README.md).
import { RtinferError } from '../errors.js';
import { NAME_PATTERN } from '../lab/lab-config.js';

export const BENCH_ROOT = 'rtinfer/v1/bench';

export function checkBenchName(bench: string): string {
  if (!NAME_PATTERN.test(bench)) throw new RtinferError('bad_bench_name', `bench name "${bench}" must be 1–32 characters of [A-Za-z0-9_-]`, { bench });
  return bench;
}

export function benchTopics(bench: string) {
  const base = `${BENCH_ROOT}/${checkBenchName(bench)}`;
  return {
    info: `${base}/info`,
    devices: `${base}/devices`,
    rpc: `${base}/rpc`,
    reply: (clientId: string) => `${base}/rpc/reply/${clientId}`,
    trace: (deviceId: string) => `${base}/trace/${deviceId}`,
    /** Deadline verdicts and windowed statistics (host/src/trace/sinks/mqtt.ts). */
    verdicts: `${base}/verdicts`,
    stats: `${base}/stats`,
  };
}

/** Every bench's info and device table (retained), for discovery. */
export const ALL_BENCHES = { info: `${BENCH_ROOT}/+/info`, devices: `${BENCH_ROOT}/+/devices` };

/** The bench a topic under BENCH_ROOT belongs to. */
export function benchOfTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts.length >= 4 && `${parts[0]}/${parts[1]}/${parts[2]}` === BENCH_ROOT ? parts[3] : undefined;
}

// What a run step asks of its target's device, the same whether the device is on this machine (a DeviceSession: a
// port, a sim, an MQTT device) or one of a bench's, run by that bench's daemon over MQTT RPC (daemon/): its HELLO,
// its slots, a push (into a slot), an inference, a periodic run with every TRACE batch.
import type { DeviceBody, DeviceMessage, HostBody } from '@rtinfer/protocol';
import type { BenchClient } from '../daemon/bench-client.js';
import { benchRunTarget } from '../daemon/bench-run-target.js';
import { helloOfRow } from '../daemon/bench-tee.js';
import { inferResultFromJson } from '../daemon/rpc-infer.js';
import type { DeviceRow } from '../daemon/rpc-messages.js';
import type { BrokerAccess } from '../lab/broker-access.js';
import { inferOnDevice, type InferRequest, type InferResult } from '../device/infer.js';
import type { NamedDeviceTask } from '../device/device-taskset-file.js';
import { runPeriodic } from '../device/periodic-run.js';
import type { DeviceInfo, DeviceSession } from '../device/session.js';
import type { TeeTasksetSource } from '../device/tee-taskset.js';
import { float32ToBytes } from '../model/float32-bytes.js';
import { SealedStream } from '../seal/sealed-stream.js';
import { listModels, pushModel } from '../transfer/push-model.js';

export interface HeldSlots {
  /** How many slots the device has. */
  count: number;
  active?: number;
  /** Each verified slot with the hex SHA-256 of what it holds. */
  verified: { slot: number; sha256: string }[];
}

export interface PeriodicOutcome {
  /** Every device message of the run in arrival order, with the host clock at receipt (TRACE batches, then STOP). */
  messages: { rxNs: bigint; message: DeviceMessage }[];
  summary: DeviceBody<'STOP'>;
  cancelled: boolean;
}

export interface CampaignDevice {
  info: DeviceInfo;
  description: string;
  slots(): Promise<HeldSlots>;
  /** Into `slot` (else the device's choice: a slot not active), made active. A sealed stream (a TEE device's) is sealed
   *  as the push reads it where the device is on this machine (SPEC.md §4.3's header form), else sent whole. */
  push(container: Uint8Array | SealedStream, options: { modelId: string; slot?: number; signal: AbortSignal }): Promise<void>;
  infer(request: InferRequest): Promise<InferResult>;
  runPeriodic(options: { tasks: NamedDeviceTask[]; durationUs: number; trace: number; tasksetBody?: HostBody<'TASKSET'>; tee?: TeeTasksetSource; signal: AbortSignal }): Promise<PeriodicOutcome>;
}

const VERIFIED = 3;

/** MODEL_STATUS as the campaign reads it, from a session (sha256 bytes) or a bench's JSON (h'…' text). */
function heldSlots(status: { active?: number; slots: { slot: number; state: number; sha256?: Uint8Array | string }[] }): HeldSlots {
  const hex = (sha: Uint8Array | string) => (typeof sha === 'string' ? sha.replace(/^h'|'$/g, '') : Buffer.from(sha).toString('hex'));
  const verified = status.slots.filter((slot) => slot.state === VERIFIED && slot.sha256 !== undefined).map((slot) => ({ slot: slot.slot, sha256: hex(slot.sha256!) }));
  return { count: status.slots.length, ...(status.active !== undefined ? { active: status.active } : {}), verified };
}

export function sessionDevice(session: DeviceSession): CampaignDevice {
  return {
    info: session.info!,
    description: session.description,
    slots: async () => heldSlots(await listModels(session)),
    async push(container, { modelId, slot, signal }) {
      await pushModel(session, container, { modelId, signal, ...(slot !== undefined ? { slot } : {}) });
    },
    infer: (request) => inferOnDevice(session, request),
    async runPeriodic({ tasks, durationUs, trace, tasksetBody, signal }) {
      const run = await runPeriodic(session, { tasks, durationUs, trace, signal, ...(tasksetBody ? { tasksetBody } : {}) });
      return {
        messages: [
          ...run.batches.map((batch) => ({ rxNs: batch.receivedNs, message: { type: 'TRACE', id: 0, body: batch.body } as DeviceMessage })),
          { rxNs: process.hrtime.bigint(), message: { type: 'STOP', id: 0, body: run.summary } as DeviceMessage },
        ],
        summary: run.summary,
        cancelled: run.cancelled,
      };
    },
  };
}

/** One of a bench's devices, through its daemon: the same calls `rtinfer push/infer/run --bench` make. */
export function benchDevice(client: BenchClient, access: BrokerAccess, bench: string, row: DeviceRow): CampaignDevice {
  const call = (method: string, params: Record<string, unknown>, signal?: AbortSignal) => client.call(bench, method, { device: row.id, ...params }, signal ? { signal } : {});
  return {
    info: helloOfRow(bench, row),
    description: `${row.id} on bench ${bench}`,
    slots: async () => heldSlots((await call('models', {})) as { active?: number; slots: { slot: number; state: number; sha256?: string }[] }),
    async push(container, { modelId, slot, signal }) {
      // The RPC carries the container in one message: a sealing goes whole, and the daemon pushes it as it is.
      const sealed = container instanceof SealedStream;
      const bytes = sealed ? container.whole() : container;
      await call('push', { container: Buffer.from(bytes).toString('base64'), modelId, ...(sealed ? { sealed: true } : {}), ...(slot !== undefined ? { slot } : {}) }, signal);
    },
    async infer(request) {
      const input = request.input instanceof Float32Array ? { input: Buffer.from(float32ToBytes(request.input)).toString('base64') } : { inputIndex: request.input.index };
      return inferResultFromJson((await call('infer', { mode: request.mode, ...input })) as Record<string, unknown>);
    },
    async runPeriodic({ tasks, durationUs, trace, tee, signal }) {
      // The daemon runs it and forwards each TRACE batch; a TEE device gets the plan benchRunTarget makes.
      const target = await benchRunTarget(access, bench, row.id, tee);
      const messages: PeriodicOutcome['messages'] = [];
      const subscription = target.stream.messages$.subscribe((received) => messages.push({ rxNs: received.rxNs, message: received.message }));
      try {
        target.stream.start();
        // Ctrl-C reaches the daemon through benchRunTarget's own SIGINT handler (it asks for STOP); a step over its
        // bound closes the client instead (TargetHandle.reset).
        const { summary } = await target.run({ tasks, durationUs, trace });
        messages.push({ rxNs: process.hrtime.bigint(), message: { type: 'STOP', id: 0, body: summary } as DeviceMessage });
        return { messages, summary, cancelled: signal.aborted };
      } finally {
        subscription.unsubscribe();
        await target.stream.close();
        await target.close();
      }
    },
  };
}

// What a bench daemon answers over RPC (README.md lists the methods). Each
// handler gets the request's params and a way to send progress notices, and
// returns the result or throws a typed error that becomes an error reply.
import { toJsonable } from '@rtinfer/protocol';
import { pingSeries } from '../device/ping.js';
import { pingReport } from '../device/ping-report.js';
import { listModels, pushModel } from '../transfer/push-model.js';
import { sealedStreamOrBytes } from '../seal/sealed-stream.js';
import { RtinferError } from '../errors.js';
import { isTeeDevice } from '../device/tee-key.js';
import type { DeviceSession } from '../device/session.js';
import { BadRequestError, DeviceOfflineError } from './daemon-errors.js';
import type { ManagedDevice } from './managed-device.js';
import { type BenchState, deviceOf, type RpcHandler } from './rpc-context.js';
import { infer } from './rpc-infer.js';
import { run } from './rpc-run.js';

export type { BenchState, RpcHandler } from './rpc-context.js';

async function onSession<T>(bench: BenchState, device: ManagedDevice, work: Parameters<ManagedDevice['withSession']>[0], exclusive?: string): Promise<T> {
  const result = await device.withSession(work, exclusive);
  if (result === undefined) throw new DeviceOfflineError(bench.bench, device.id, device.row().lastError);
  return result as T;
}

function optionalInteger(params: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new BadRequestError(`params.${key} must be an integer in ${min}…${max}`);
  return value;
}

/** At most one progress notice per interval, and always the last one. */
function throttled(send: (data: unknown) => void, intervalMs = 200): (data: { stored: number; total: number }) => void {
  let last = 0;
  return (data) => {
    const now = performance.now();
    if (now - last < intervalMs && data.stored < data.total) return;
    last = now;
    send(data);
  };
}

/** A push's `sealed` flag against the device's HELLO: sealed containers (CONTAINER.md §7) go to TEE devices, and only they do. */
function checkSealedFor(bench: string, device: string, info: DeviceSession['info'], sealed: boolean): void {
  const tee = isTeeDevice(info);
  if (tee && !sealed) {
    throw new RtinferError('tee_needs_sealed', `${device} on bench "${bench}" is a TEE device (${info!.board}): it takes only a container sealed to its TA key (params.sealed: true); rtinfer push --bench seals on the caller's host`, { bench, device, board: info!.board });
  }
  if (!tee && sealed) {
    throw new RtinferError('tee_not_tee', `${device} on bench "${bench}" (board ${info?.board ?? 'unknown'}) is not a TEE device: it cannot open a sealed container; push the .rtm itself`, { bench, device, board: info?.board });
  }
}

export const RPC_METHODS: Record<string, RpcHandler> = {
  async devices(_params, bench) {
    return { bench: bench.bench, devices: bench.table() };
  },

  async ping(params, bench) {
    const device = deviceOf(bench, params);
    const count = optionalInteger(params, 'count', 1, 10_000) ?? 10;
    return onSession(bench, device, async (session) => {
      const results = await pingSeries(session, { count });
      return toJsonable({ device: device.id, ...pingReport(results, session.info!, results.lost) }, 'number-when-safe');
    });
  },

  async models(params, bench) {
    const device = deviceOf(bench, params);
    return onSession(bench, device, async (session) => toJsonable({ device: device.id, ...(await listModels(session)) }, 'number-when-safe'));
  },

  async push(params, bench, progress, signal) {
    const device = deviceOf(bench, params);
    if (typeof params.container !== 'string' || params.container === '') throw new BadRequestError('params.container must be the model container, base64');
    if (typeof params.modelId !== 'string' || params.modelId === '') throw new BadRequestError('params.modelId must be a non-empty string');
    const container = new Uint8Array(Buffer.from(params.container, 'base64'));
    const slot = optionalInteger(params, 'slot', 0, 255);
    const activate = params.activate === undefined ? true : params.activate === true;
    if (params.sealed !== undefined && typeof params.sealed !== 'boolean') throw new BadRequestError('params.sealed must be true (the container is sealed for a TEE device) or false');
    const sealed = params.sealed === true;
    const modelId = params.modelId;
    return onSession(bench, device, (session) => {
      // Sealed bytes are opaque here: the TA authenticates them. Only a TEE device takes them, and it takes nothing else.
      checkSealedFor(bench.bench, device.id, session.info, sealed);
      // Pushed in SPEC.md §4.3's header form, hashed as it goes out (bytes without a sealed header go as they are).
      return pushModel(session, sealed ? sealedStreamOrBytes(container) : container, { modelId, ...(slot !== undefined ? { slot } : {}), activate, signal, onProgress: throttled(progress) });
    }, `a push of ${modelId}`);
  },

  run,

  infer,

  async cancel(params, bench) {
    if (typeof params.request !== 'string') throw new BadRequestError('params.request must be the id of the request to cancel');
    return { request: params.request, cancelled: bench.cancel(params.request) };
  },

  async 'trace.subscribe'(params, bench) {
    const device = deviceOf(bench, params);
    return { device: device.id, topic: bench.setTrace(device.id, true), encoding: 'cbor' };
  },

  async 'trace.unsubscribe'(params, bench) {
    const device = deviceOf(bench, params);
    return { device: device.id, topic: bench.setTrace(device.id, false) };
  },
};

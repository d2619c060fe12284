// `rtinfer run --bench` / `monitor --bench`: a device on another bench as the
// target of a periodic run. Its daemon runs the task set (the `run` method) and
// forwards every TRACE batch to the bench's trace topic; this side subscribes to
// that topic first, stamps each batch with its receipt time, and feeds the same
// stream the local path feeds. The device clock rate comes from the bench's
// device table (the device's HELLO). No PING exchanges cross the broker, so
// events carry no host time: misses are found from the trace itself (a later
// event past the deadline, or the job's end), not by a host timer.
//
// A TEE device (a Pi's agent: HELLO caps bit 5 in its row) gets the plan the local path sends
// (tee-taskset.ts planTeeTasksetFile, on this host, where the task set file and the model are, with the
// row's tee_heap): the daemon passes the TEE TASKSET on as it is.
import type { DeviceBody, DeviceMessage } from '@rtinfer/protocol';
import { Subject } from 'rxjs';
import { RtinferError } from '../errors.js';
import type { BrokerAccess } from '../lab/broker-access.js';
import type { ReceivedDeviceMessage } from '../trace/from-device-messages.js';
import type { LiveRunTarget } from '../trace/live-device.js';
import { planTeeTasksetFile, type TeeTasksetPlan, type TeeTasksetSource } from '../device/tee-taskset.js';
import { BenchClient } from './bench-client.js';
import { isTeeRow } from './bench-tee.js';
import { DeviceOfflineError, UnknownDeviceError } from './daemon-errors.js';
import type { DeviceRow } from './rpc-messages.js';
import type { RunResult } from './rpc-run.js';

/** After the result, how long the last forwarded batch may still be on its way (it went out before the result). */
const LAST_BATCH_WAIT_MS = 2000;

/** The bench's device a run goes to: the named one, or the bench's only device. */
function pickDevice(bench: string, rows: DeviceRow[], deviceId: string | undefined): DeviceRow & { hello: NonNullable<DeviceRow['hello']> } {
  const known = rows.map((row) => row.id);
  if (deviceId === undefined && rows.length !== 1) {
    throw new RtinferError('bad_flag', `--device: bench "${bench}" has ${rows.length} devices (${known.join(', ') || 'none'}); name one`, { flag: 'device', bench, known: known.join(', ') });
  }
  const row = deviceId === undefined ? rows[0]! : rows.find((candidate) => candidate.id === deviceId);
  if (!row) throw new UnknownDeviceError(bench, deviceId!, known);
  if (row.state !== 'online' || !row.hello) throw new DeviceOfflineError(bench, row.id, row.lastError);
  return { ...row, hello: row.hello };
}

/** A TEE device's plan from its row's HELLO: its TA heap bounds the capacity, as a direct run's HELLO does. */
function planForRow(bench: string, row: DeviceRow & { hello: NonNullable<DeviceRow['hello']> }, tee: TeeTasksetSource): TeeTasksetPlan {
  const teeHeap = row.hello.teeHeap;
  if (teeHeap === undefined) throw new RtinferError('tee_heap_unknown', `${row.id} on bench "${bench}" is a TEE device, but its row carries no TA heap (HELLO tee_heap) to plan against; is the daemon older than the CLI?`, { bench, device: row.id });
  return planTeeTasksetFile(tee, teeHeap);
}

export async function benchRunTarget(access: BrokerAccess, bench: string, deviceId: string | undefined, tee?: TeeTasksetSource, describePlan?: (plan: TeeTasksetPlan) => void): Promise<LiveRunTarget> {
  const client = await BenchClient.connect(access);
  try {
    const seen = await client.requireBench(bench);
    const device = pickDevice(bench, seen.table?.devices ?? [], deviceId);
    const plan = tee && isTeeRow(device) ? planForRow(bench, device, tee) : undefined;
    if (plan) describePlan?.(plan);
    const messages$ = new Subject<ReceivedDeviceMessage>();
    const push = (message: DeviceMessage, rxNs = process.hrtime.bigint()) => messages$.next({ rxNs, message });
    let started = false;
    const batches = new Set<number>();
    let onBatch: () => void = () => {};
    const unsubscribe = await client.subscribeTrace(bench, device.id, (message) => {
      if (!started || message.type !== 'TRACE') return;
      push(message);
      batches.add(message.body.batch);
      onBatch();
    });
    /** Resolves when `batch` has arrived, or after a bounded wait (a lost batch shows in the check as a gap). */
    const batchArrived = (batch: number | undefined) =>
      new Promise<void>((resolve) => {
        if (batch === undefined || batches.has(batch)) return resolve();
        const timer = setTimeout(resolve, LAST_BATCH_WAIT_MS);
        onBatch = () => {
          if (!batches.has(batch)) return;
          clearTimeout(timer);
          resolve();
        };
      });
    return {
      label: `${device.id} on bench ${bench}`,
      hello: { deviceId: device.hello.deviceId, board: device.hello.board, clockHz: device.hello.clockHz, bootId: device.hello.bootId },
      stream: {
        messages$,
        start: () => void (started = true),
        push,
        close: async () => {
          started = false;
          messages$.complete();
        },
      },
      async run({ tasks, durationUs, trace }) {
        // Ctrl-C asks the daemon to STOP the run; its summary then ends the check as usual.
        const abort = new AbortController();
        const interrupt = () => abort.abort();
        process.once('SIGINT', interrupt);
        try {
          const params = { device: device.id, tasks, durationUs, trace, ...(plan ? { taskset: plan.body } : {}) };
          const result = (await client.call(bench, 'run', params, { signal: abort.signal })) as RunResult;
          await batchArrived(result.lastBatch);
          const summary: DeviceBody<'STOP'> = { ...result.summary, ticks: BigInt(result.summary.ticks) };
          return { summary };
        } finally {
          process.off('SIGINT', interrupt);
        }
      },
      async close() {
        await unsubscribe();
        await client.close();
      },
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

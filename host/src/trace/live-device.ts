// A live device as the stream deadlineCheck$ reads: its HELLO, every TRACE batch stamped with the host clock
// at receipt, PING exchanges made on the side for clock sync (their replies come back as request replies,
// not as unsolicited messages, so they are injected here with t4 as the receipt time), and the STOP summary.
// All times are process.hrtime, the clock PING's t1 is taken on.
import type { DeviceBody, DeviceMessage } from '@rtinfer/protocol';
import { asyncScheduler, type SchedulerLike, Subject } from 'rxjs';
import type { DeviceTask } from '../device/periodic-run.js';
import { pingOnce } from '../device/ping.js';
import type { DeviceSession } from '../device/session.js';
import type { ReceivedDeviceMessage } from './from-device-messages.js';

export interface LiveDeviceStream {
  messages$: Subject<ReceivedDeviceMessage>;
  /** Sends the HELLO and starts the PINGs: call once the pipeline is subscribed (a Subject keeps nothing). */
  start(): void;
  /** Feeds one device message as received now (or at `rxNs`). */
  push(message: DeviceMessage, rxNs?: bigint): void;
  /** Stops the PINGs and completes the stream. */
  close(): Promise<void>;
}

/**
 * The scheduler for deadlineCheck$'s live `clock`: now() is process.hrtime in ms, the clock the stream's
 * receipt times and PING samples are taken on (asyncScheduler's own now() is Date.now(), another origin:
 * every host deadline would look long past, and a job spanning two batches would be reported overdue at once).
 */
export const hostClock: SchedulerLike = {
  now: () => Number(process.hrtime.bigint()) / 1e6,
  schedule: asyncScheduler.schedule.bind(asyncScheduler),
};

/**
 * A device a periodic run goes to, as `rtinfer run` drives it: a local session,
 * or a device on another bench through its daemon (daemon/bench-run-target.ts).
 * Only the message source differs; the check, printing and recording are shared.
 */
export interface LiveRunTarget {
  /** How the device is named in the output. */
  label: string;
  /** The device's HELLO facts (for the recording's header). */
  hello: { deviceId: string; board: string; clockHz: number; bootId: number };
  stream: LiveDeviceStream;
  /** TASKSET, RUN for the duration, STOP: resolves with the device's summary once every TRACE batch is in the stream. */
  run(options: { tasks: DeviceTask[]; durationUs: number; trace: number }): Promise<{ summary: DeviceBody<'STOP'> }>;
  close(): Promise<void>;
}

export function liveDeviceStream(session: DeviceSession, options: { pingIntervalMs?: number } = {}): LiveDeviceStream {
  const messages$ = new Subject<ReceivedDeviceMessage>();
  const push = (message: DeviceMessage, rxNs = process.hrtime.bigint()) => messages$.next({ rxNs, message });
  const onUnsolicited = (message: DeviceMessage) => push(message);
  let closed = false;
  let pinging: Promise<void> = Promise.resolve();
  const pingLoop = async () => {
    while (!closed) {
      try {
        const sample = await pingOnce(session, { timeoutMs: 500 });
        push({ type: 'PING', id: 0, body: { t1: sample.t1, t2: sample.t2, t3: sample.t3 } }, sample.t4);
      } catch {
        // A lost PING is only a missing clock sample; the link's own errors surface through the session.
      }
      await new Promise((resolve) => setTimeout(resolve, options.pingIntervalMs ?? 200));
    }
  };
  return {
    messages$,
    start() {
      if (session.info) push({ type: 'HELLO', id: 0, body: session.info });
      session.on('unsolicited', onUnsolicited);
      pinging = pingLoop();
    },
    push,
    async close() {
      closed = true;
      await pinging;
      session.off('unsolicited', onUnsolicited);
      messages$.complete();
    },
  };
}

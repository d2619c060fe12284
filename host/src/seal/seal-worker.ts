// The sealing worker: one thread per process, started at the first push of a sealed stream and kept (unref'd) for
// the next, that seals a SealedStream's segments and hashes them while the event loop's thread drives the push.
// Why: a push's thread is its bottleneck (it encodes, publishes and reads the ACKs of every chunk, and with Aedes it
// is the broker too); sealing and hashing 3 MB on it costs ~5 ms of a ~55 ms push, a worker takes that off it.
// It runs nicer than the push (NICE_STEP). It runs sealAndHashAll from its source text (an eval worker without the
// parent's loaders or flags, so it starts in tens of ms on its own thread): nothing is written twice, and nothing
// but shared memory crosses.
import { Worker } from 'node:worker_threads';
import { sealAndHashAll, sealAndPublish, sealSegmentInto, type SealingJob } from './seal-segment.js';

/** How long the worker waits for a part the other thread has claimed before it gives the hashing up. */
const CLAIM_WAIT_MS = 2000;

/**
 * The worker runs this much nicer than the process (Linux: a thread's nice value is its own; setpriority on its
 * thread id). Why: on a 2-core host the push's thread, the broker and the device's agent already keep both cores
 * busy through a push; the worker's ~4-8 ms of sealing and hashing, all at the push's start, took CPU from them
 * (the push's thread waited 29 -> 48 ms in the run queue per 3 MB push, bench/push-sealed-probe.ts). Nicer, it
 * seals in what CPU they leave; a segment it has not sealed when the push reaches it is sealed by the push's thread
 * (SealedStream.sealPart), so it never holds the push up. RTINFER_SEAL_WORKER_NICE=0 keeps the process's priority.
 */
const NICE_STEP = 10;

const source = `
const crypto = require('node:crypto');
const { parentPort } = require('node:worker_threads');
const __name = (f) => f; // what a bundler's keep-names wraps functions in
const sealSegmentInto = ${sealSegmentInto.toString()};
const sealAndPublish = ${sealAndPublish.toString()};
const sealAndHashAll = ${sealAndHashAll.toString()};
if (process.env.RTINFER_SEAL_WORKER_NICE !== '0') {
  try {
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    const os = require('node:os');
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + ${NICE_STEP}));
  } catch {} // not Linux (no /proc/thread-self), or not allowed: the process's priority
}
parentPort.on('message', ({ id, job }) => {
  let ok = false;
  try { ok = sealAndHashAll(crypto, job, ${CLAIM_WAIT_MS}); } finally { parentPort.postMessage({ id, ok }); }
});
`;

let worker: Worker | undefined;
let broken = false;
let nextId = 0;
let inFlight = 0;
const waiting = new Map<number, () => void>();

function sealingWorker(): Worker | undefined {
  if (worker || broken) return worker;
  try {
    worker = new Worker(source, { eval: true, execArgv: [] });
  } catch {
    broken = true;
    return undefined;
  }
  worker.unref();
  worker.on('message', ({ id }: { id: number }) => {
    waiting.get(id)?.();
    waiting.delete(id);
  });
  const lost = () => {
    // The jobs in flight stay correct: the event loop's thread seals and hashes whatever the worker did not.
    broken = true;
    worker = undefined;
    for (const done of waiting.values()) done();
    waiting.clear();
  };
  worker.on('error', lost);
  worker.on('exit', lost);
  return worker;
}

/** Whether sealing goes to a worker: not when RTINFER_SEAL_WORKER=0 (the thread itself seals, as it reads). */
export function sealingWorkerWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.RTINFER_SEAL_WORKER !== '0';
}

/**
 * Hands `job` to the worker; `done` runs on this thread when the worker has sealed and hashed what it could (the
 * job's state says what). False if there is no worker. A job in flight keeps the process alive (a few ms).
 */
export function sealInWorker(job: SealingJob, done: () => void): boolean {
  const thread = sealingWorker();
  if (!thread) return false;
  const id = nextId++;
  if (inFlight++ === 0) thread.ref();
  waiting.set(id, () => {
    if (--inFlight === 0) worker?.unref();
    done();
  });
  thread.postMessage({ id, job });
  return true;
}

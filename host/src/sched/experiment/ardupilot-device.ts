// The ArduPilot case study on a TEE device (issue 13): the flight-control surrogate, ArduCopter's 400 Hz fast loop
// (arducopterTasks()[0]: its period, and the WCET the table does not give, assumed), as a normal-world busy task of
// the agent's dispatcher, beside one DNN task in the enclave, run for a duration under each policy.
//
// LW runs first. Its trace gives each layer's measured time (LW enters once per layer: the entry's bounds are the
// layer's, its world switch included), the largest over its jobs. The analysis and the simulator then take those
// WCETs instead of the cost model's, so each policy's measured control misses sit next to what the analysis
// predicted from times measured on the same device in the same run. Both runs send the same plan (the cost model's
// WCETs, which the device uses only to admit the set): measured maxima on a loaded machine can sum past the
// device's utilisation bound, and the greedy's groups depend on memory alone.
import { from } from 'rxjs';
import type { DeviceMessage } from '@rtinfer/protocol';
import type { NamedDeviceTask } from '../../device/device-taskset-file.js';
import { toTasksetSpec } from '../../device/device-taskset-file.js';
import { percentile } from '../../device/clock-estimate.js';
import { runPeriodic, TRACE_JOBS, TRACE_LAYERS, type ReceivedTrace } from '../../device/periodic-run.js';
import type { DeviceSession } from '../../device/session.js';
import { planTeeTaskset, type TeeTasksetPlan } from '../../device/tee-taskset.js';
import type { Graph } from '../../model/ir.js';
import { collectVerdicts, deadlineCheck$ } from '../../trace/deadline-check.js';
import { taskSummaries } from '../../trace/verdict-report.js';
import { evaluatePolicy } from '../evaluate.js';
import { simulate } from '../simulator.js';
import { arducopterTasks } from './ardupilot.js';

const EV_JOB_RELEASE = 1;
const EV_JOB_START = 2;
const EV_JOB_END = 3;
const EV_LAYER_START = 4;
const EV_LAYER_END = 5;
const EV_WORLD_ENTER = 8;
const EV_DEADLINE_MISS = 12;

export const CONTROL_TASK = 0;
export const DNN_TASK = 1;

export type DevicePolicy = 'lw' | 'fusion';

export interface DeviceArdupilotOptions {
  session: DeviceSession;
  /** The model the device's active slot holds (its graph plans the units), and what to call it. */
  graph: Graph;
  modelName: string;
  teeHeap: number;
  dnnPeriodUs: number;
  fastLoopWcetUs: number;
  durationUs: number;
  /** Enclave capacity: the TA heap unless smaller. */
  capacity?: number;
  policies?: readonly DevicePolicy[];
}

export interface DevicePolicyOutcome {
  policy: DevicePolicy;
  /** Measured on the device, from the trace through the host's deadline check. */
  measured: {
    controlJobs: number;
    controlMisses: number;
    controlMissRatio: number;
    dnnJobs: number;
    dnnMisses: number;
    worldEntries: number;
    /** World entries per hyperperiod of the two tasks (the DNN period: the fast loop's divides it). */
    entriesPerHyperperiod: number;
    /** Job start − release of control jobs released while the core was idle: the dispatcher's wake-up lateness. */
    idleReleaseLateness: LatenessSummary;
  };
  /** The analysis and the simulator on the layer times measured in the LW run (this same run's device). */
  predicted: {
    schedulable: boolean;
    controlMisses: number;
    controlWorstResponseUs: number;
    worldEntries: number;
    why?: string;
  };
}

export interface DeviceArdupilotResult {
  model: string;
  tasks: { name: string; periodUs: number; deadlineUs: number; workUs?: number; policy: string }[];
  durationUs: number;
  /** Per layer (graph name): the largest LW entry time measured, µs. */
  measuredLayerWcetUs: Record<string, number>;
  outcomes: DevicePolicyOutcome[];
}

export interface LatenessSummary {
  samples: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export function latenessSummary(valuesUs: readonly number[]): LatenessSummary {
  const sorted = [...valuesUs].sort((a, b) => a - b);
  return { samples: sorted.length, p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99), maxUs: sorted.at(-1) ?? Number.NaN };
}

export function scenarioTasks(options: Pick<DeviceArdupilotOptions, 'dnnPeriodUs' | 'fastLoopWcetUs'>): NamedDeviceTask[] {
  const fast = arducopterTasks(options.fastLoopWcetUs)[0]!;
  return [
    { task: CONTROL_TASK, name: 'fast_loop', periodUs: fast.period, deadlineUs: fast.deadline, mode: 'dense', policy: 'normal', workUs: fast.wcet },
    { task: DNN_TASK, name: 'dnn', periodUs: options.dnnPeriodUs, deadlineUs: options.dnnPeriodUs, mode: 'dense', policy: 'lw' },
  ];
}

export async function runArdupilotOnDevice(options: DeviceArdupilotOptions): Promise<DeviceArdupilotResult> {
  const tasks = scenarioTasks(options);
  const spec = toTasksetSpec(tasks);
  const settings = { model: options.modelName, worldSwitchUs: 0, ...(options.capacity !== undefined ? { capacity: options.capacity } : {}) };
  const plan = (policy: DevicePolicy, layerWcetUs?: ReadonlyMap<string, number>) =>
    planTeeTaskset(tasks, { graph: options.graph, teeHeap: options.teeHeap, settings, policy, ...(layerWcetUs ? { layerWcetUs } : {}) });
  const policies = options.policies ?? ['lw', 'fusion'];
  const clockHz = Number(options.session.info?.clockHz ?? 1e9);

  const runs = new Map<DevicePolicy, { batches: ReceivedTrace[]; summary: Awaited<ReturnType<typeof summarise>> }>();
  let layerWcet = new Map<string, number>();
  for (const policy of ['lw' as const, ...policies.filter((p) => p !== 'lw')]) {
    const planned = plan(policy);
    const result = await runPeriodic(options.session, { tasks, durationUs: options.durationUs, trace: TRACE_JOBS | TRACE_LAYERS, tasksetBody: planned.body });
    const summary = await summarise(result.batches, result.summary, spec, clockHz);
    runs.set(policy, { batches: result.batches, summary });
    if (policy === 'lw') layerWcet = measuredLayerTimes(result.batches, options.graph, clockHz);
  }

  const outcomes = policies.map((policy): DevicePolicyOutcome => {
    const { batches, summary } = runs.get(policy)!;
    const measuredPlan = plan(policy, layerWcet);
    const perTask = taskSummaries(summary, spec);
    const control = perTask.find((task) => task.task === CONTROL_TASK)!;
    const dnn = perTask.find((task) => task.task === DNN_TASK)!;
    const worldEntries = countEvents(batches, EV_WORLD_ENTER);
    return {
      policy,
      measured: {
        controlJobs: control.jobs,
        controlMisses: control.misses,
        controlMissRatio: control.jobs ? control.misses / control.jobs : 0,
        dnnJobs: dnn.jobs,
        dnnMisses: dnn.misses,
        worldEntries,
        entriesPerHyperperiod: (worldEntries * options.dnnPeriodUs) / options.durationUs,
        idleReleaseLateness: latenessSummary(idleReleaseLateness(batches, CONTROL_TASK, clockHz)),
      },
      predicted: predict(measuredPlan, policy, options.durationUs),
    };
  });
  return {
    model: options.modelName,
    tasks: tasks.map((task) => ({ name: task.name!, periodUs: task.periodUs, deadlineUs: task.deadlineUs, ...(task.workUs !== undefined ? { workUs: task.workUs } : {}), policy: task.policy === 'normal' ? 'normal' : 'lw | fusion' })),
    durationUs: options.durationUs,
    measuredLayerWcetUs: Object.fromEntries(layerWcet),
    outcomes,
  };
}

/** The host's deadline check over a finished run's batches and the device's STOP summary (as `rtinfer run` does live). */
function summarise(batches: ReceivedTrace[], stop: unknown, spec: ReturnType<typeof toTasksetSpec>, clockHz: number) {
  const messages = [
    ...batches.map((batch) => ({ rxNs: batch.receivedNs, message: { type: 'TRACE', id: 0, body: batch.body } as DeviceMessage })),
    { rxNs: process.hrtime.bigint(), message: { type: 'STOP', id: 0, body: stop } as DeviceMessage },
  ];
  return collectVerdicts(deadlineCheck$(from(messages), spec, { clockHz }));
}

function predict(plan: TeeTasksetPlan, policy: DevicePolicy, durationUs: number): DevicePolicyOutcome['predicted'] {
  const evaluation = evaluatePolicy(plan.views, policy === 'lw' ? 'lw' : 'fusion-greedy', { quick: true });
  const simulation = simulate(plan.dispatch, { releaseHorizon: durationUs, validate: true });
  const control = simulation.tasks[CONTROL_TASK]!;
  const failure = evaluation.analysis.failure;
  return {
    schedulable: evaluation.analysis.schedulable,
    controlMisses: control.deadlineMisses,
    controlWorstResponseUs: control.worstResponseTime,
    worldEntries: simulation.worldSwitches,
    ...(failure ? { why: `"${failure.task}" window ${failure.window} µs, demand ${failure.demand} µs` } : {}),
  };
}

type Event = readonly [kind: number, task: number, job: number, ticks: bigint | number, arg: bigint | number];

function* events(batches: readonly ReceivedTrace[]): Generator<Event> {
  for (const batch of batches) for (const event of batch.body.events) yield event as unknown as Event;
}

function countEvents(batches: readonly ReceivedTrace[], kind: number): number {
  let count = 0;
  for (const event of events(batches)) if (event[0] === kind) count++;
  return count;
}

/**
 * Per graph layer, the longest layer_start → layer_end of the run (LW: one entry per layer), µs rounded up. Each
 * task's first job is a warm-up and left out, as the profiles leave theirs (its first entry decodes the model's
 * weights into the TA's arena: conv0 took 104 ms in one run of Tiny Darknet at 64×64, under 4 ms in every later job).
 */
export function measuredLayerTimes(batches: readonly ReceivedTrace[], graph: Graph, clockHz: number): Map<string, number> {
  const open = new Map<string, bigint>();
  const longest = new Map<string, number>();
  const firstJob = new Map<number, number>();
  for (const [kind, task, job, ticks, arg] of events(batches)) {
    if (kind !== EV_LAYER_START && kind !== EV_LAYER_END) continue;
    if (!firstJob.has(task)) firstJob.set(task, job);
    if (firstJob.get(task) === job) continue;
    const key = `${task}:${job}:${arg}`;
    if (kind === EV_LAYER_START) open.set(key, BigInt(ticks));
    else {
      const began = open.get(key);
      if (began === undefined) continue;
      open.delete(key);
      const name = graph.layers[Number(arg)]?.name;
      if (name === undefined) continue;
      const us = Math.max(1, Math.ceil((Number(BigInt(ticks) - began) * 1e6) / clockHz));
      longest.set(name, Math.max(longest.get(name) ?? 0, us));
    }
  }
  return longest;
}

/**
 * Start − release of a task's jobs whose release found nothing running or waiting (no entry in progress, no other
 * job in flight): the time the dispatcher took to wake at the release on CLOCK_MONOTONIC, µs.
 */
export function idleReleaseLateness(batches: readonly ReceivedTrace[], task: number, clockHz: number): number[] {
  const late: number[] = [];
  const inFlight = new Set<string>();
  const started = new Set<string>();
  const idleRelease = new Map<number, bigint>();
  for (const [kind, eventTask, job, ticks] of events(batches)) {
    const key = `${eventTask}:${job}`;
    if (kind === EV_JOB_RELEASE) {
      if (eventTask === task && inFlight.size === 0) idleRelease.set(job, BigInt(ticks));
      inFlight.add(key);
    } else if (kind === EV_JOB_START) {
      started.add(key);
      const at = eventTask === task ? idleRelease.get(job) : undefined;
      if (at !== undefined) late.push((Number(BigInt(ticks) - at) * 1e6) / clockHz);
      if (eventTask === task) idleRelease.delete(job);
    } else if (kind === EV_JOB_END || (kind === EV_DEADLINE_MISS && !started.has(key))) {
      // A job ends, or is dropped unstarted from a full queue (its miss is then its last event).
      inFlight.delete(key);
      started.delete(key);
      if (eventTask === task) idleRelease.delete(job);
    }
  }
  return late;
}

// The ArduPilot case study: ArduCopter's main loop (normal world, preemptive) next to a DNN in the enclave.
//
// Rates and time budgets are from ArduCopter's public scheduler table, ArduCopter/Copter.cpp
// `Copter::scheduler_tasks[]` (SCHED_TASK(name, rate_hz, max_time_micros, priority)), ArduPilot master:
//   rc_loop 250 Hz 130 µs; throttle_loop 50 Hz 75 µs; AP_GPS::update 50 Hz 200 µs; update_batt_compass 10 Hz 120 µs;
//   run_nav_updates 50 Hz 100 µs; update_throttle_hover 100 Hz 90 µs; update_altitude 10 Hz 100 µs;
//   ten_hz_logging_loop 10 Hz 350 µs; twentyfive_hz_logging 25 Hz 110 µs; AP_Baro::accumulate 50 Hz 90 µs;
//   AP_Notify::update 50 Hz 90 µs; one_hz_loop 1 Hz 100 µs.
// The FAST_TASKs (IMU update, rate controller, motor output, AHRS, ...) run every loop at 400 Hz and have no
// budget in the table; we assume `fastLoopWcet` (600 µs by default) for all of them together, and say so.
// Tasks without a fixed rate in µs (3 Hz) are left out so the hyperperiod stays short (2 s with a 2 s DNN).
import type { PlannedViews } from '../dispatch.js';
import { evaluatePolicy } from '../evaluate.js';
import { cortexA53Enclave } from '../cost-model.js';
import { zooLayerProfiles } from '../layer-profiles.js';
import { plannedViews } from '../schedule-report.js';
import type { EnclaveTask, NormalWorldTask, Platform, Policy } from '../task-model.js';
import type { ZooNetworkName } from '../zoo-shapes.js';

const scheduleTable: [name: string, rateHz: number, maxTimeMicros: number][] = [
  ['rc_loop', 250, 130],
  ['throttle_loop', 50, 75],
  ['gps_update', 50, 200],
  ['update_batt_compass', 10, 120],
  ['run_nav_updates', 50, 100],
  ['update_throttle_hover', 100, 90],
  ['update_altitude', 10, 100],
  ['ten_hz_logging_loop', 10, 350],
  ['twentyfive_hz_logging', 25, 110],
  ['baro_accumulate', 50, 90],
  ['notify_update', 50, 90],
  ['one_hz_loop', 1, 100],
];

export function arducopterTasks(fastLoopWcet = 600): NormalWorldTask[] {
  const task = (name: string, rateHz: number, wcet: number): NormalWorldTask => {
    const period = Math.round(1_000_000 / rateHz);
    return { kind: 'normal', name, period, deadline: period, offset: 0, wcet };
  };
  return [task('fast_loop', 400, fastLoopWcet), ...scheduleTable.map(([name, rate, budget]) => task(name, rate, budget))];
}

export interface ArdupilotScenario {
  network: ZooNetworkName;
  dnnPeriod: number;
  /** LW's slice-length bound, µs: what LW needs so the 400 Hz loop can run between slices. */
  maxSliceTime: number;
  platform: Platform;
  fastLoopWcet: number;
}

export interface ArdupilotOutcome {
  policy: Policy;
  analysis: boolean;
  simulation: boolean;
  budget?: number;
  worldSwitchesPerDnnJob: number;
  fastLoopWorstResponse: number;
  fastLoopMisses: number;
  dnnWorstResponse: number;
  controlMisses: number;
  why?: string;
}

export function scenarioViews(scenario: ArdupilotScenario): PlannedViews {
  const platform = { ...scenario.platform, maxSliceTime: scenario.maxSliceTime };
  const dnn: EnclaveTask = { kind: 'enclave', name: `dnn_${scenario.network}`, period: scenario.dnnPeriod, deadline: scenario.dnnPeriod, offset: 0, layers: zooLayerProfiles(scenario.network, cortexA53Enclave, platform.memoryModel) };
  return plannedViews({ platform, tasks: [...arducopterTasks(scenario.fastLoopWcet), dnn] });
}

export function runScenario(scenario: ArdupilotScenario, chosen: readonly Policy[] = ['lw', 'fusion-greedy', 'fusion-budget']): ArdupilotOutcome[] {
  const views = scenarioViews(scenario);
  return chosen.map((policy) => {
    const evaluation = evaluatePolicy(views, policy, { simulate: true, quick: true });
    const simulation = evaluation.simulation!;
    const fast = simulation.tasks[0]!;
    const dnn = simulation.tasks[simulation.tasks.length - 1]!;
    const outcome: ArdupilotOutcome = {
      policy,
      analysis: evaluation.analysis.schedulable,
      simulation: simulation.schedulable,
      worldSwitchesPerDnnJob: dnn.activations ? Math.round(simulation.worldSwitches / dnn.activations) : 0,
      fastLoopWorstResponse: fast.worstResponseTime,
      fastLoopMisses: fast.deadlineMisses,
      dnnWorstResponse: dnn.worstResponseTime,
      controlMisses: simulation.tasks.slice(0, -1).reduce((sum, task) => sum + task.deadlineMisses, 0),
    };
    if (evaluation.budgetChoice?.budget !== undefined) outcome.budget = evaluation.budgetChoice.budget;
    const failure = evaluation.analysis.failure;
    if (failure) outcome.why = `analysis: "${failure.task}" window ${failure.window} µs, demand ${failure.demand} µs`;
    else if (evaluation.analysis.inconclusive) outcome.why = `analysis: ${evaluation.analysis.inconclusive}`;
    return outcome;
  });
}

// One repetition of a run on its target: the model made active and the models its tasks name held beside it
// (ensure-models.ts), one inference checked against the host reference, then the
// task set for the duration, recorded in the trace format `rtinfer run --record` writes, with the analysis it is
// checked against (the task set; on a TEE device the host's plan and what the simulator predicts for it).
import { Capability, type DeviceMessage } from '@rtinfer/protocol';
import { readDeviceTaskset, toTasksetSpec, type NamedDeviceTask } from '../device/device-taskset-file.js';
import { TRACE_JOBS, TRACE_LAYERS } from '../device/periodic-run.js';
import type { DeviceInfo } from '../device/session.js';
import { isTeeDevice } from '../device/tee-key.js';
import { RtinferError } from '../errors.js';
import { compareWithReference } from '../nn/device-reference.js';
import { simulate } from '../sched/simulator.js';
import { schedulePlanOf } from '../trace/crosscheck/schedule-plan.js';
import { formatHeader, formatRecord } from '../trace/recorded/format.js';
import type { InferenceOutcome } from './assertions.js';
import { type Campaign, type CampaignRun, teeModes } from './campaign-spec.js';
import { ensureModels, type ModelFile } from './ensure-models.js';
import { type RunFolder, writeWhole } from './run-folder.js';
import { teeRunPlan } from './tee-run-plan.js';
import type { TargetHandle } from './targets.js';

/** The run's mode must be the device's to run, by its HELLO: int8 where caps bit 6 says so (not in an enclave), LW and
 * FUSION on a TEE device, dense and TREC on one without. A refusal is final: no retry mends it. */
function requireMode(run: CampaignRun, info: DeviceInfo): void {
  const tee = isTeeDevice(info);
  const facts = { run: run.name, mode: run.mode, device: info.deviceId, board: info.board, caps: info.caps };
  if (run.mode === 'int8') {
    if ((info.caps & Capability.INT8) === 0) throw new RtinferError('mode_unsupported', `${run.name}: ${info.deviceId} (${info.board}, firmware ${info.firmware}) does not say it can run int8 (HELLO caps 0x${info.caps.toString(16)})`, facts);
    if (tee) throw new RtinferError('mode_unsupported', `${run.name}: int8 runs on a device without an enclave; ${info.deviceId} (${info.board}) is a TEE device`, facts);
  }
  if (run.mode !== 'int8' && tee !== teeModes.includes(run.mode)) {
    throw new RtinferError('mode_unsupported', `${run.name}: mode ${run.mode} is for ${tee ? 'a device without an enclave' : 'a TEE device (lw, fusion, fusion-budget)'}, and ${info.deviceId} (${info.board}) ${tee ? 'is a TEE device' : 'has no enclave'}`, facts);
  }
  if (run.mode === 'trec' && (info.caps & Capability.TREC) === 0) throw new RtinferError('mode_unsupported', `${run.name}: ${info.deviceId} (${info.board}) has no TREC capability`, facts);
}

export interface RepetitionResult {
  key: string;
  jobs: number;
  released: number;
  missed: number;
  pushed: boolean;
  relativeL2: number;
}

export async function runRepetition(options: { run: CampaignRun; key: string; target: TargetHandle; model: ModelFile; taskModels: ModelFile[]; models: Campaign['models']; folder: RunFolder; signal: AbortSignal }): Promise<RepetitionResult> {
  const { run, key, target, model, folder, signal } = options;
  const device = await target.device();
  const info = device.info;
  requireMode(run, info);
  const { pushed, slots } = await ensureModels(device, target, run.name, model, options.taskModels, folder, signal);
  const tee = isTeeDevice(info);

  // The output against the host reference: TREC's own reference for a TREC run, else the dense one.
  const inferMode = run.mode === 'trec' ? 'trec' : 'dense';
  // A TEE device's stored test inputs are sealed with the model: the input goes in the request, as the demo sends it.
  const stored = model.decoded.testInputs?.[0];
  const input = tee && stored ? stored : { index: 0 };
  const result = await device.infer({ mode: inferMode, input });
  const comparison = compareWithReference(model.decoded, input, inferMode, undefined, result);
  const inference: InferenceOutcome = { mode: inferMode, relativeL2: comparison.relativeL2, topAgrees: comparison.topAgrees, reference: comparison.reference };

  // The run's mode is the campaign's variable: every task of the set runs in it.
  const tasks: NamedDeviceTask[] = readDeviceTaskset(run.taskset).map((task) => (tee ? task : { ...task, mode: run.mode === 'trec' ? 'trec' : 'dense' }));
  const spec = toTasksetSpec(tasks);
  // The plan a TEE device gets (through a bench, its daemon's client makes the same one from the task set file).
  const planned = tee ? teeRunPlan({ run, tasks, model, taskModels: options.taskModels, slots, models: options.models, folder, teeHeap: info.teeHeap ?? info.ram }) : undefined;
  const plan = planned?.plan;
  const periodic = await device.runPeriodic({ tasks, durationUs: run.durationUs, trace: tee ? TRACE_JOBS | TRACE_LAYERS : TRACE_JOBS, signal, ...(planned ? { tasksetBody: planned.plan.body, tee: planned.source } : {}) });
  if (periodic.cancelled) throw new RtinferError('interrupted', `${key}: stopped before its duration ended`, { run: run.name });

  const schedulePlan = plan && schedulePlanOf(plan);
  const messages: { rxNs: bigint; message: DeviceMessage }[] = [{ rxNs: process.hrtime.bigint(), message: { type: 'HELLO', id: 0, body: info } }, ...periodic.messages];
  const header = formatHeader({ device: { deviceId: info.deviceId, board: info.board, clockHz: Number(info.clockHz), bootId: info.bootId }, taskset: spec, created: new Date().toISOString(), ...(schedulePlan ? { schedulePlan } : {}) });
  const analysis = {
    run: run.name,
    key,
    mode: run.mode,
    taskset: run.taskset,
    spec,
    utilisation: tasks.reduce((sum, task) => sum + (task.budgetUs ?? 0) / task.periodUs, 0),
    ...(plan
      ? {
          plan: { policy: plan.devicePolicy, units: plan.units.length, capacity: plan.body.capacity, wcets: plan.wcetSource, ...(plan.budgetChoice ? { budgetChoice: plan.budgetChoice } : {}), ...(slots.size > 0 ? { models: plan.modelLists } : {}) },
          simulated: { worldEntries: simulate(plan.dispatch, { releaseHorizon: run.durationUs }).worldSwitches, horizonUs: run.durationUs },
        }
      : {}),
  };
  // Whole files only (renamed into place): a campaign killed now leaves no half trace behind.
  writeWhole(folder.trace(key), header + messages.map(formatRecord).join(''));
  folder.writeJson(folder.json('inference', key), inference);
  folder.writeJson(folder.json('analysis', key), analysis);
  return { key, jobs: Number(periodic.summary.completed), released: Number(periodic.summary.released), missed: Number(periodic.summary.missed), pushed, relativeL2: inference.relativeL2 };
}


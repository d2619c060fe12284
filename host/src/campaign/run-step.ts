// One repetition of a run on its target: the model made active (pushed, sealed to the pinned TA key on a TEE
// device, unless the active slot holds it already), one inference checked against the host reference, then the
// task set for the duration, recorded in the trace format `rtinfer run --record` writes, with the analysis it is
// checked against (the task set; on a TEE device the host's plan and what the simulator predicts for it).
import { Capability, type DeviceMessage } from '@rtinfer/protocol';
import { decodeContainer, type DecodedContainer } from '../compress/container.js';
import { readDeviceTaskset, toTasksetSpec, type NamedDeviceTask } from '../device/device-taskset-file.js';
import { TRACE_JOBS, TRACE_LAYERS } from '../device/periodic-run.js';
import type { DeviceInfo } from '../device/session.js';
import { isTeeDevice } from '../device/tee-key.js';
import { planTeeTaskset, readTeeTasksetSettings, type TeeTasksetPlan } from '../device/tee-taskset.js';
import { RtinferError } from '../errors.js';
import { loadLabForPins } from '../lab/tee-pins.js';
import { compareWithReference } from '../nn/device-reference.js';
import { simulate } from '../sched/simulator.js';
import { schedulePlanOf } from '../trace/crosscheck/schedule-plan.js';
import { formatHeader, formatRecord } from '../trace/recorded/format.js';
import { sha256Of } from '../transfer/push-model.js';
import { sealForDevice } from '../transfer/seal-for-device.js';
import type { InferenceOutcome } from './assertions.js';
import type { CampaignDevice } from './campaign-device.js';
import { type CampaignRun, teeModes } from './campaign-spec.js';
import { type RunFolder, writeWhole } from './run-folder.js';
import { pushSealedAboveHeld } from './seal-above-held.js';
import type { TargetHandle } from './targets.js';

export interface ModelFile {
  name: string;
  container: Uint8Array;
  decoded: DecodedContainer;
  sha256: string;
}

/** Pushes the model unless the device's active slot holds it already; returns what was done. */
export async function ensureModel(device: CampaignDevice, target: TargetHandle, model: ModelFile, folder: RunFolder, signal: AbortSignal): Promise<{ pushed: boolean; sha256: string }> {
  const info = device.info;
  const tee = isTeeDevice(info);
  const active = await device.activeSlot();
  // A TEE device holds the sealed stream, whose digest the campaign keeps per model and device when it pushes it.
  const sealedRecord = folder.path('models', `${model.name}.${info.deviceId}.sealed.json`);
  const expected = tee ? folder.readJson<{ sha256: string }>(sealedRecord)?.sha256 : model.sha256;
  if (expected !== undefined && active.sha256 === expected) return { pushed: false, sha256: expected };
  if (!tee) {
    await device.push(model.container, { modelId: model.decoded.modelId, sealed: false, signal });
    return { pushed: true, sha256: model.sha256 };
  }
  const seal = (generation?: number) =>
    sealForDevice({ info, device: device.description, deviceSpec: info.deviceId, lab: loadLabForPins(target.labFile), container: model.container, cacheDir: folder.path('models', 'sealed'), ...(generation !== undefined ? { generation } : {}) });
  // A device that ran before may hold a later generation than the campaign's lab file knows: sealed above it.
  const { sealing } = await pushSealedAboveHeld(seal, (each) => device.push(each.sealed, { modelId: model.decoded.modelId, sealed: true, signal, sha256: Buffer.from(each.sha256, 'hex') }));
  folder.writeJson(sealedRecord, { sha256: sealing.sha256, generation: sealing.generation });
  return { pushed: true, sha256: sealing.sha256 };
}

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

export async function runRepetition(options: { run: CampaignRun; key: string; target: TargetHandle; model: ModelFile; folder: RunFolder; signal: AbortSignal }): Promise<RepetitionResult> {
  const { run, key, target, model, folder, signal } = options;
  const device = await target.device();
  const info = device.info;
  requireMode(run, info);
  const { pushed } = await ensureModel(device, target, model, folder, signal);
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
  const policy = run.mode as 'lw' | 'fusion' | 'fusion-budget';
  // The plan a TEE device gets (through a bench, its daemon's client makes the same one from the task set file).
  const plan: TeeTasksetPlan | undefined = tee ? planTeeTaskset(tasks, { graph: model.decoded.graph, teeHeap: info.teeHeap ?? info.ram, settings: readTeeTasksetSettings(run.taskset), policy }) : undefined;
  const periodic = await device.runPeriodic({ tasks, durationUs: run.durationUs, trace: tee ? TRACE_JOBS | TRACE_LAYERS : TRACE_JOBS, signal, ...(plan ? { tasksetBody: plan.body, tee: { file: run.taskset, tasks, policy } } : {}) });
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
          plan: { policy: plan.devicePolicy, units: plan.units.length, capacity: plan.body.capacity, wcets: plan.wcetSource, ...(plan.budgetChoice ? { budgetChoice: plan.budgetChoice } : {}) },
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

export function loadModelFile(name: string, bytes: Uint8Array): ModelFile {
  return { name, container: bytes, decoded: decodeContainer(bytes, name), sha256: Buffer.from(sha256Of(bytes)).toString('hex') };
}

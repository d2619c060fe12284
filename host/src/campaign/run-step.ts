// One repetition of a run on its target: the model made active (pushed, sealed to the pinned TA key on a TEE
// device, unless the active slot holds it already), one inference checked against the host reference, then the
// task set for the duration, recorded in the trace format `rtinfer run --record` writes, with the analysis it is
// checked against (the task set; on a TEE device the host's plan and what the simulator predicts for it).
import { Capability, type DeviceMessage } from '@rtinfer/protocol';
import { decodeContainer, type DecodedContainer } from '../compress/container.js';
import { readDeviceTaskset, toTasksetSpec, type NamedDeviceTask } from '../device/device-taskset-file.js';
import { inferOnDevice } from '../device/infer.js';
import { runPeriodic, TRACE_JOBS, TRACE_LAYERS } from '../device/periodic-run.js';
import type { DeviceSession } from '../device/session.js';
import { isTeeDevice } from '../device/tee-key.js';
import { planTeeTaskset, readTeeTasksetSettings, type TeeTasksetPlan } from '../device/tee-taskset.js';
import { DeviceError, RtinferError } from '../errors.js';
import { loadLabForPins } from '../lab/tee-pins.js';
import { compareWithReference } from '../nn/device-reference.js';
import { simulate } from '../sched/simulator.js';
import { schedulePlanOf } from '../trace/crosscheck/schedule-plan.js';
import { formatHeader, formatRecord } from '../trace/recorded/format.js';
import { listModels, pushModel, sha256Of } from '../transfer/push-model.js';
import { sealForDevice } from '../transfer/seal-for-device.js';
import type { InferenceOutcome } from './assertions.js';
import { type CampaignRun, teeModes } from './campaign-spec.js';
import { type RunFolder, writeWhole } from './run-folder.js';
import type { TargetHandle } from './targets.js';

export interface ModelFile {
  name: string;
  container: Uint8Array;
  decoded: DecodedContainer;
  sha256: string;
}

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);

/** Pushes the model unless the device's active slot holds it already; returns what was done. */
export async function ensureModel(session: DeviceSession, target: TargetHandle, model: ModelFile, folder: RunFolder, signal: AbortSignal): Promise<{ pushed: boolean; sha256: string }> {
  const info = session.info!;
  const tee = isTeeDevice(info);
  const slots = await listModels(session);
  const active = slots.slots.find((slot) => slot.slot === slots.active);
  // A TEE device holds the sealed stream; its header names the container it seals only inside the TA, so the
  // campaign keeps which sealed SHA-256 it pushed for which model (models/<model>.<device>.sealed).
  const sealedRecord = folder.path('models', `${model.name}.${info.deviceId}.sealed-sha256`);
  const expected = tee ? folder.readJson<{ sha256: string }>(sealedRecord)?.sha256 : model.sha256;
  if (expected !== undefined && hex(active?.sha256) === expected && active?.state === 3) return { pushed: false, sha256: expected };
  if (!tee) {
    await pushModel(session, model.container, { modelId: model.decoded.modelId, signal });
    return { pushed: true, sha256: model.sha256 };
  }
  const seal = (generation?: number) =>
    sealForDevice({ info, device: session.description, deviceSpec: info.deviceId, lab: loadLabForPins(target.labFile), container: model.container, cacheDir: folder.path('models', 'sealed'), ...(generation !== undefined ? { generation } : {}) });
  let sealing = seal();
  try {
    await pushModel(session, sealing.sealed, { modelId: model.decoded.modelId, signal, sha256: Buffer.from(sealing.sha256, 'hex') });
  } catch (error) {
    // The TA holds a later generation than the campaign's lab file knows (a device that ran before): seal above it.
    const held = error instanceof DeviceError ? (error.facts as { heldGeneration?: number }).heldGeneration : undefined;
    if (held === undefined) throw error;
    sealing = seal(Number(held) + 1);
    await pushModel(session, sealing.sealed, { modelId: model.decoded.modelId, signal, sha256: Buffer.from(sealing.sha256, 'hex') });
  }
  folder.writeJson(sealedRecord, { sha256: sealing.sha256, generation: sealing.generation });
  return { pushed: true, sha256: sealing.sha256 };
}

/** int8 is being built beside this work: a run in int8 goes on only where the device's HELLO says it can. */
function requireMode(run: CampaignRun, session: DeviceSession): void {
  const info = session.info!;
  const tee = isTeeDevice(info);
  const facts = { run: run.name, mode: run.mode, device: info.deviceId, board: info.board, caps: info.caps };
  if (run.mode === 'int8') {
    const bit = (Capability as Record<string, number>).INT8;
    if (bit === undefined || (info.caps & bit) === 0) throw new RtinferError('mode_unsupported', `${run.name}: ${info.deviceId} (${info.board}, firmware ${info.firmware}) does not say it can run int8 (HELLO caps 0x${info.caps.toString(16)})`, facts);
  }
  if (tee !== teeModes.includes(run.mode)) {
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
  const session = await target.session();
  requireMode(run, session);
  const info = session.info!;
  const { pushed } = await ensureModel(session, target, model, folder, signal);
  const tee = isTeeDevice(info);

  // The output against the host reference: TREC's own reference for a TREC run, else the dense one.
  const inferMode = run.mode === 'trec' ? 'trec' : 'dense';
  // A TEE device's stored test inputs are sealed with the model: the input goes in the request, as the demo sends it.
  const stored = model.decoded.testInputs?.[0];
  const input = tee && stored ? stored : { index: 0 };
  const result = await inferOnDevice(session, { mode: inferMode, input });
  const comparison = compareWithReference(model.decoded, input, inferMode, undefined, result);
  const inference: InferenceOutcome = { mode: inferMode, relativeL2: comparison.relativeL2, topAgrees: comparison.topAgrees, reference: comparison.reference };

  // The run's mode is the campaign's variable: every task of the set runs in it.
  const tasks: NamedDeviceTask[] = readDeviceTaskset(run.taskset).map((task) => (tee ? task : { ...task, mode: run.mode === 'trec' ? 'trec' : 'dense' }));
  const spec = toTasksetSpec(tasks);
  let plan: TeeTasksetPlan | undefined;
  if (tee) {
    plan = planTeeTaskset(tasks, { graph: model.decoded.graph, teeHeap: info.teeHeap ?? info.ram, settings: readTeeTasksetSettings(run.taskset), policy: run.mode as 'lw' | 'fusion' | 'fusion-budget' });
  }
  const periodic = await runPeriodic(session, { tasks, durationUs: run.durationUs, trace: tee ? TRACE_JOBS | TRACE_LAYERS : TRACE_JOBS, signal, ...(plan ? { tasksetBody: plan.body } : {}) });
  if (periodic.cancelled) throw new RtinferError('interrupted', `${key}: stopped before its duration ended`, { run: run.name });

  const schedulePlan = plan && schedulePlanOf(plan);
  const messages: { rxNs: bigint; message: DeviceMessage }[] = [
    { rxNs: process.hrtime.bigint(), message: { type: 'HELLO', id: 0, body: info } },
    ...periodic.batches.map((batch) => ({ rxNs: batch.receivedNs, message: { type: 'TRACE', id: 0, body: batch.body } as DeviceMessage })),
    { rxNs: process.hrtime.bigint(), message: { type: 'STOP', id: 0, body: periodic.summary } as DeviceMessage },
  ];
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

// Runs a campaign's steps in dependency order (each model compressed before the runs that push it, as their own or as
// one their task set names; runs in the file's order, each repetition a step; the cross-run checks and the report
// last), each within its bound, a step whose device dropped out retried with backoff on a fresh link (a target the
// campaign started is started again).
// Finished steps are kept in state.json as they finish: after Ctrl-C or SIGKILL, --resume does only what is left.
import { existsSync, readFileSync } from 'node:fs';
import { compressToContainer } from '../compress/compress-model.js';
import { Backoff, seedFor, sleep } from '../daemon/backoff.js';
import { loadModel } from '../model/load-model.js';
import { structuredInputs } from '../nn/structured-input.js';
import { RtinferError } from '../errors.js';
import type { Campaign, CampaignRun } from './campaign-spec.js';
import { checkRepetition, type StepFailure } from './check-recording.js';
import { deviceFacts, hostEnvironment } from './environment.js';
import { buildCampaignReport, type CampaignSummary, onTargets } from './report.js';
import { type CampaignState, type RunFolder, runKey, writeWhole } from './run-folder.js';
import { loadModelFile, type ModelFile } from './ensure-models.js';
import { runRepetition } from './run-step.js';
import { withinBound } from './step-bound.js';
import { TargetHandle } from './targets.js';

export type ProgressEvent =
  | { kind: 'step'; index: number; total: number; step: string; what: string }
  | { kind: 'skipped'; index: number; total: number; step: string; why: string }
  | { kind: 'done'; step: string; seconds: number; facts: Record<string, unknown> }
  | { kind: 'retry'; step: string; attempt: number; delayMs: number; code: string; message: string }
  | { kind: 'failed'; step: string; failure: StepFailure }
  | { kind: 'interrupted'; step: string | undefined };

export interface CampaignOutcome {
  summary: CampaignSummary;
  interrupted: boolean;
}

/** Errors no retry can mend: the device refused, the mode is not the device's, the file is wrong. */
function permanent(error: unknown): boolean {
  if (!(error instanceof RtinferError)) return true;
  return error.code.startsWith('device_') || ['mode_unsupported', 'invalid_taskset', 'unknown_field', 'tee_key_changed', 'interrupted', 'layer_too_large', 'unsupported_taskset', 'too_many_models'].includes(error.code);
}

export interface RunnerOptions {
  campaign: Campaign;
  folder: RunFolder;
  state: CampaignState;
  signal: AbortSignal;
  progress: (event: ProgressEvent) => void;
  /** Only these targets' runs (--target). */
  targets?: readonly string[];
}

export async function runCampaign(options: RunnerOptions): Promise<CampaignOutcome> {
  const { campaign, folder, state, signal, progress } = options;
  const runs = campaign.runs.filter((run) => !options.targets || options.targets.includes(run.target));
  // A run's task set may name models besides its own: each compressed once, as the run's own.
  const models = [...new Set(runs.flatMap((run) => [run.model, ...run.taskModels]))];
  const total = models.length + runs.reduce((sum, run) => sum + run.repetitions, 0);
  let index = 0;
  const handles = new Map<string, TargetHandle>();
  const handle = (name: string) => {
    let found = handles.get(name);
    if (!found) handles.set(name, (found = new TargetHandle(campaign.targets.get(name)!, folder, `${campaign.name}-${name}`.slice(0, 32))));
    return found;
  };
  const finish = (step: string, attempts: number, facts: Record<string, unknown>) => {
    state.done[step] = { at: new Date().toISOString(), attempts, facts };
    folder.saveState(state);
    folder.event({ event: 'done', step, attempts, facts });
  };
  let current: string | undefined;
  let interrupted = false;
  const files = new Map<string, ModelFile>();
  try {
    for (const name of models) {
      const step = `compress:${name}`;
      index++;
      const file = folder.model(name);
      if (state.done[step] && existsSync(file)) {
        progress({ kind: 'skipped', index, total, step, why: 'compressed before (resumed)' });
        folder.event({ event: 'skipped', step });
      } else {
        const spec = campaign.models.get(name)!;
        progress({ kind: 'step', index, total, step, what: `compress ${spec.source}` });
        folder.event({ event: 'started', step });
        const started = Date.now();
        const graph = loadModel(spec.source, { seed: 1 });
        const stored = structuredInputs(graph.input.shape, 1);
        // int8: activation ranges calibrated on the stored test input, as `rtinfer compress --int8` does by default.
        const { container, report } = compressToContainer(graph, spec.overrides, undefined, stored, spec.int8 ? { calibration: stored } : undefined);
        writeWhole(file, container);
        const facts = { bytes: container.length, ratio: report.total.ratio };
        finish(step, 1, facts);
        progress({ kind: 'done', step, seconds: (Date.now() - started) / 1000, facts });
      }
      files.set(name, loadModelFile(name, new Uint8Array(readFileSync(file))));
    }

    for (const run of runs) {
      for (let repetition = 1; repetition <= run.repetitions; repetition++) {
        const key = runKey(run.name, repetition);
        const step = `run:${key}`;
        index++;
        if (state.done[step] && existsSync(folder.trace(key))) {
          progress({ kind: 'skipped', index, total, step, why: 'recorded before (resumed)' });
          folder.event({ event: 'skipped', step });
          continue;
        }
        if (signal.aborted) throw new RtinferError('interrupted', 'interrupted', {});
        current = step;
        progress({ kind: 'step', index, total, step, what: `${run.mode} on ${run.target} for ${run.durationUs / 1000} ms` });
        await runStep(run, repetition, step, files.get(run.model)!, handle(run.target));
        current = undefined;
      }
    }
  } catch (error) {
    if (!(error instanceof RtinferError && error.code === 'interrupted') && !signal.aborted) throw error;
    interrupted = true;
    progress({ kind: 'interrupted', step: current });
    folder.event({ event: 'interrupted', step: current ?? null });
  } finally {
    await Promise.all([...handles.values()].map((target) => target.close()));
    writeEnvironment();
  }
  return { summary: await buildCampaignReport(folder, onTargets(campaign, options.targets)), interrupted };

  async function runStep(run: CampaignRun, repetition: number, step: string, model: ModelFile, target: TargetHandle): Promise<void> {
    const key = runKey(run.name, repetition);
    const backoff = new Backoff({ initialMs: campaign.retry.initialMs, maxMs: campaign.retry.maxMs }, seedFor(step));
    const bound = campaign.bounds.startMs + campaign.bounds.pushMs + Math.ceil(run.durationUs / 1000) + campaign.bounds.runMarginMs;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      folder.event({ event: 'started', step, attempt });
      try {
        const taskModels = run.taskModels.map((name) => files.get(name)!);
        const result = await withinBound(step, bound, signal, (stepSignal) => runRepetition({ run, key, target, model, taskModels, models: campaign.models, folder, signal: stepSignal }), () => target.reset());
        if (signal.aborted) throw new RtinferError('interrupted', `${step} interrupted`, {});
        const device = await target.device();
        state.devices[run.target] = deviceFacts(device.info, campaign.targets.get(run.target)!.kind === 'start' ? 'started' : device.description);
        const verdict = await checkRepetition(folder, run, repetition);
        folder.writeJson(folder.json('verdicts', key), verdict);
        const facts = { ...result, passed: verdict.passed, misses: verdict.counts?.misses, worldSwitches: verdict.worldSwitches };
        finish(step, attempt, facts);
        progress({ kind: 'done', step, seconds: (Date.now() - started) / 1000, facts });
        return;
      } catch (error) {
        if (signal.aborted) throw new RtinferError('interrupted', `${step} interrupted`, {});
        const typed = error instanceof RtinferError ? error : undefined;
        const code = typed?.code ?? 'internal';
        const message = (error as Error).message;
        if (permanent(error) || attempt >= campaign.retry.attempts) {
          const failure: StepFailure = { code, message, facts: { ...(typed?.facts ?? {}), target: run.target }, attempts: attempt };
          folder.writeJson(folder.json('verdicts', key), await checkRepetition(folder, run, repetition, failure));
          folder.event({ event: 'failed', step, failure });
          progress({ kind: 'failed', step, failure });
          await target.reset();
          return;
        }
        // The device dropped out (or never answered): a fresh link, a fresh start for a target we started.
        await target.reset();
        const delayMs = backoff.next();
        folder.event({ event: 'retry', step, attempt, delayMs, code, message });
        progress({ kind: 'retry', step, attempt, delayMs, code, message });
        if (!(await sleep(delayMs, signal))) throw new RtinferError('interrupted', `${step} interrupted`, {});
      }
    }
  }

  function writeEnvironment(): void {
    const modelDigests = Object.fromEntries(
      [...files.values()].map((file) => [file.name, { source: campaign.models.get(file.name)!.source, compression: campaign.models.get(file.name)!.compression, sha256: file.sha256, contentDigest: file.decoded.contentDigest, bytes: file.container.length, modelId: file.decoded.modelId }]),
    );
    folder.saveState(state);
    folder.writeJson(folder.path('environment.json'), { ...hostEnvironment(), campaign: { name: campaign.name, file: campaign.file, sha256: state.campaignSha256 }, devices: state.devices, models: modelDigests });
  }
}

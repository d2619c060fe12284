// What a campaign file declares (parse-campaign.ts reads it): targets to start or reach, models with their
// compression settings, runs (a model in a mode on a target, a task set for a duration, so many times) and the
// assertions each run, or a pair of runs, must meet.
import type { SettingsOverrides } from '../compress/settings.js';
import type { LabPosition } from '../lab/lab-error.js';

/** Targets the campaign starts itself (host/src/sim's starters), and stops at the end: qemu is the netduinoplus2
 * image (Cortex-M4), qemu-m7 the mps2-an500 one (Cortex-M7), as RTINFER_HIL_TARGET names them. */
export const startableTargets = ['sim', 'qemu', 'qemu-m7', 'optee-sim', 'optee-qemu'] as const;
export type StartableTarget = (typeof startableTargets)[number];

export type CampaignTarget =
  | { name: string; kind: 'start'; start: StartableTarget; at?: LabPosition }
  /** A device that already runs: a port path, a running sim's id, a USB serial number or mqtt://host:port/<id>. */
  | { name: string; kind: 'device'; device: string; at?: LabPosition }
  /** One of a bench's devices, run by the bench's daemon (its id in the bench's table; default: the only one). */
  | { name: string; kind: 'bench'; bench: string; device?: string; broker?: string; lab?: string; at?: LabPosition };

export interface CampaignModel {
  name: string;
  /** A zoo name, or an .onnx / darknet .cfg path resolved against the campaign file. */
  source: string;
  /** The compression settings as written (kept in the run folder's environment). */
  compression: Record<string, string | number | boolean>;
  overrides: SettingsOverrides;
  /** Quantized to int8 (CONTAINER.md §8), calibrated on its stored test input: what mode int8 runs. */
  int8: boolean;
}

/** dense and trec: the STM32 kernels; lw, fusion, fusion-budget: DeepTrust^RT policies on a TEE device; int8: only
 * where the device's HELLO says it can. */
export const campaignModes = ['dense', 'trec', 'int8', 'lw', 'fusion', 'fusion-budget'] as const;
export type CampaignMode = (typeof campaignModes)[number];
export const teeModes: readonly CampaignMode[] = ['lw', 'fusion', 'fusion-budget'];

export type RunAssertion =
  | { kind: 'no-miss'; task: string; text: string }
  | { kind: 'p99-response'; task: string; belowUs: number; text: string }
  | { kind: 'world-switches-per-hyperperiod'; atMost: number; text: string }
  | { kind: 'output-within'; relativeL2: number; text: string };

/** An assertion over two runs: world switches of `of` over those of `over` (e.g. LW's over FUSION's). */
export interface SwitchRatioCheck {
  kind: 'switch-ratio';
  of: string;
  over: string;
  atLeast: number;
  text: string;
}

export interface CampaignRun {
  name: string;
  target: string;
  model: string;
  /** The models the task set's tasks name besides `model` (each under models:), in the order they first name them:
   * pushed beside it, `model` staying active (taskset-models.ts). */
  taskModels: string[];
  mode: CampaignMode;
  /** A device task set file (device/device-taskset-file.ts), absolute. */
  taskset: string;
  durationUs: number;
  repetitions: number;
  assertions: RunAssertion[];
}

export interface RetrySettings {
  /** Attempts per step, the first included. */
  attempts: number;
  initialMs: number;
  maxMs: number;
}

/** Every step's bound, ms: nothing waits longer. */
export interface StepBounds {
  startMs: number;
  pushMs: number;
  /** A run step may take its duration × repetitions plus this. */
  runMarginMs: number;
}

export interface Campaign {
  file: string;
  name: string;
  targets: Map<string, CampaignTarget>;
  models: Map<string, CampaignModel>;
  runs: CampaignRun[];
  checks: SwitchRatioCheck[];
  retry: RetrySettings;
  bounds: StepBounds;
}

export const DEFAULT_RETRY: RetrySettings = { attempts: 3, initialMs: 250, maxMs: 4000 };
export const DEFAULT_BOUNDS: StepBounds = { startMs: 60_000, pushMs: 120_000, runMarginMs: 60_000 };

// The DeepTrust^RT task model shared by the planners, the analysis and the simulator.
//
// Time is an integer number of microseconds (a JS number; exact up to 2^53 µs ≈ 285 years), so the
// demand-bound test and the simulator add and compare exactly, with no float drift. Memory is in bytes.

import type { MemoryModel } from './memory-model.js';

/** How a layer's work can be cut so that each piece fits the enclave (see layer-shapes.ts). */
export type LayerShape =
  | { kind: 'conv'; inChannels: number; inHeight: number; inWidth: number; outChannels: number; kernel: number; stride: number; padding: number }
  | { kind: 'fc'; inputs: number; outputs: number }
  /** `outHeight`/`outWidth`, when given, are the pool's output size (padding or ceil mode); else (in − kernel) / stride + 1. */
  | { kind: 'pool'; channels: number; inHeight: number; inWidth: number; kernel: number; stride: number; outHeight?: number; outWidth?: number };

/** One DNN layer as the planners see it: its worst-case execution time and its enclave memory. */
export interface LayerProfile {
  name: string;
  /** Worst-case execution time of the whole layer, µs. */
  wcet: number;
  /** Enclave memory of the whole layer, bytes: as given, or from its shape as the platform's memory model counts it. */
  memory: number;
  /** Present when the layer can be sliced; absent for an opaque layer (no slicing axis). */
  shape?: LayerShape;
  /** Set when the WCET is an estimate from the cost model rather than a measurement or a given figure. */
  estimated?: true;
}

export interface TaskTiming {
  name: string;
  /** Period (minimum inter-activation time), µs. */
  period: number;
  /** Relative deadline, µs; constrained: 0 < deadline ≤ period. */
  deadline: number;
  /** Release offset of the first activation, µs (the analysis holds for any offsets). */
  offset: number;
}

/** A periodic DNN inference task whose layers run in the enclave. */
export interface EnclaveTask extends TaskTiming {
  kind: 'enclave';
  layers: LayerProfile[];
}

/** A normal-world task (e.g. the flight-control loop): fully preemptive, never enters the enclave. */
export interface NormalWorldTask extends TaskTiming {
  kind: 'normal';
  wcet: number;
}

export type Task = EnclaveTask | NormalWorldTask;

export interface Platform {
  /** Enclave capacity (the TA heap budget), bytes. */
  enclaveCapacity: number;
  /** Cost of one enclave entry plus its exit, µs; charged once per entry. */
  worldSwitch: number;
  /** When the task set gave no world_switch: the profile file whose measured switch this is (the largest). */
  worldSwitchFrom?: string;
  /** Cores the dispatcher uses; the analysis and the simulator support 1. */
  cores: number;
  /** Optional: LW also slices layers longer than this (µs), so short-period tasks can run between slices. */
  maxSliceTime?: number;
  /** Which parts of a layer's working set count against the capacity (memory-model.ts); `full` when absent. */
  memoryModel?: MemoryModel;
}

export interface Taskset {
  platform: Platform;
  tasks: Task[];
}

/** One enclave entry's worth of work under LW: a whole layer or one slice of it. */
export interface ExecutionUnit {
  layer: string;
  /** 0-based slice index and slice count (1 when the layer is not sliced). */
  slice: number;
  slices: number;
  wcet: number;
  memory: number;
}

/** A task after LW slicing: enclave tasks as a sequence of units, normal-world tasks as preemptive work. */
export type PlannedTask =
  | (TaskTiming & { kind: 'enclave'; units: ExecutionUnit[] })
  | (TaskTiming & { kind: 'normal'; wcet: number });

/** The dispatch policies: how the work of ready jobs is cut into enclave entries at run time. */
export const policies = ['lw', 'fusion-greedy', 'fusion-budget', 'no-tee'] as const;
export type Policy = (typeof policies)[number];

export const policyTitles: Record<Policy, string> = {
  lw: 'LW (one slice per entry)',
  'fusion-greedy': "FUSION, the paper's greedy first-fit",
  'fusion-budget': 'FUSION, ours (blocking-budget packing)',
  'no-tee': 'no TEE (layer-preemptive EDF, no world switch)',
};

export function executionTime(task: PlannedTask): number {
  return task.kind === 'normal' ? task.wcet : task.units.reduce((sum, unit) => sum + unit.wcet, 0);
}

export function utilisation(tasks: readonly PlannedTask[]): number {
  return tasks.reduce((sum, task) => sum + executionTime(task) / task.period, 0);
}

export function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Least common multiple of the periods, or Infinity once it passes `limit`. */
export function hyperperiod(periods: readonly number[], limit = Number.MAX_SAFE_INTEGER): number {
  let result = 1;
  for (const period of periods) {
    result = (result / greatestCommonDivisor(result, period)) * period;
    if (result > limit) return Infinity;
  }
  return result;
}

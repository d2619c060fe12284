// Random taskset generators for the schedulability experiments: the DeepTrust^RT authors' rule, and the
// standard UUniFast-discard with log-uniform periods; homogeneous (one DNN) or heterogeneous DNN mixes.
import type { PlannedTask, ExecutionUnit } from './task-model.js';
import type { RandomSource } from '../util/seeded-random.js';

export function randomInteger(random: RandomSource, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** A DNN as the generators use it: LW units and whole layers, planned once per network and capacity. */
export interface PlannedNetwork {
  name: string;
  slicedUnits: ExecutionUnit[];
  wholeLayers: ExecutionUnit[];
  /** Σ WCET of the whole layers, µs (what utilisation is computed from). */
  executionTime: number;
}

export interface GeneratedTaskset {
  slicedTasks: PlannedTask[];
  wholeLayerTasks: PlannedTask[];
  utilisation: number;
}

export const secondInMicroseconds = 1_000_000;

/** A network drawn from `networks`; a single network draws nothing from `random`. */
function pickNetwork(random: RandomSource, networks: readonly PlannedNetwork[]): PlannedNetwork {
  return networks[networks.length === 1 ? 0 : randomInteger(random, 0, networks.length - 1)]!;
}

function build(networks: readonly PlannedNetwork[], periods: readonly number[], scale?: readonly number[]): GeneratedTaskset {
  const scaled = (units: ExecutionUnit[], factor: number | undefined) => (factor === undefined ? units : units.map((unit) => ({ ...unit, wcet: Math.max(1, Math.ceil(unit.wcet * factor)) })));
  const slicedTasks: PlannedTask[] = [];
  const wholeLayerTasks: PlannedTask[] = [];
  let utilisation = 0;
  periods.forEach((period, index) => {
    const network = networks[index]!;
    const timing = { name: `task${index}`, period, deadline: period, offset: 0 };
    const whole = scaled(network.wholeLayers, scale?.[index]);
    slicedTasks.push({ kind: 'enclave', ...timing, units: scaled(network.slicedUnits, scale?.[index]) });
    wholeLayerTasks.push({ kind: 'enclave', ...timing, units: whole });
    utilisation += whole.reduce((sum, unit) => sum + unit.wcet, 0) / period;
  });
  return { slicedTasks, wholeLayerTasks, utilisation };
}

/**
 * The authors' rule: implicit deadlines, integer periods in [1, 96] s, every task's DNN drawn from `networks`
 * (one network: the paper's homogeneous setting); redraw until |U − target| ≤ tolerance.
 */
export function paperTaskset(random: RandomSource, networks: readonly PlannedNetwork[], count: number, target: number, tolerance = 0.005, maxAttempts = 5_000_000): GeneratedTaskset | undefined {
  const periods = new Array<number>(count);
  const chosen = new Array<PlannedNetwork>(count);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    let utilisation = 0;
    for (let index = 0; index < count; index++) {
      const network = pickNetwork(random, networks);
      const period = randomInteger(random, 1, 96) * secondInMicroseconds;
      chosen[index] = network;
      periods[index] = period;
      utilisation += network.executionTime / period;
    }
    if (Math.abs(utilisation - target) <= tolerance) return build(chosen, periods);
  }
  return undefined;
}

/** UUniFast (Bini & Buttazzo 2005), discarding draws with any share above 1. */
export function uunifastDiscard(random: RandomSource, count: number, total: number): number[] {
  for (;;) {
    const shares: number[] = [];
    let remaining = total;
    for (let index = 1; index < count; index++) {
      const next = remaining * Math.pow(random(), 1 / (count - index));
      shares.push(remaining - next);
      remaining = next;
    }
    shares.push(remaining);
    if (shares.every((share) => share <= 1)) return shares;
  }
}

/**
 * UUniFast-discard utilisations and log-uniform periods in [minPeriod, maxPeriod] µs (integers); each task's
 * DNN WCETs are scaled so that its utilisation is its share (memory unchanged). DNNs drawn from `networks`.
 */
export function uunifastTaskset(random: RandomSource, networks: readonly PlannedNetwork[], count: number, target: number, minPeriod = secondInMicroseconds, maxPeriod = 96 * secondInMicroseconds): GeneratedTaskset {
  const shares = uunifastDiscard(random, count, target);
  const chosen = shares.map(() => pickNetwork(random, networks));
  const periods = shares.map(() => Math.round(Math.exp(Math.log(minPeriod) + random() * (Math.log(maxPeriod) - Math.log(minPeriod)))));
  const scale = shares.map((share, index) => (share * periods[index]!) / chosen[index]!.executionTime);
  return build(chosen, periods, scale);
}

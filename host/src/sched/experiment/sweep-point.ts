// One point of a schedulability sweep: `count` random tasksets at (n, U) from one generator, each judged by
// the analysis and the simulation under every policy. Pure and seeded, so workers can run points in any order.
import { cortexA53Enclave, type CostModel } from '../cost-model.js';
import type { PlannedViews } from '../dispatch.js';
import { zooLayerProfiles } from '../layer-profiles.js';
import { defaultMemoryModel, type MemoryModel } from '../memory-model.js';
import { sliceLayer, wholeLayerUnit } from '../lw-slicing.js';
import type { ZooNetworkName } from '../zoo-shapes.js';
import { evaluatePolicy } from '../evaluate.js';
import { seededRandom } from '../../util/seeded-random.js';
import { paperTaskset, uunifastTaskset, type GeneratedTaskset, type PlannedNetwork } from '../taskset-generators.js';
import { policies, type LayerProfile, type Platform, type Policy } from '../task-model.js';

export type GeneratorName = 'paper' | 'uunifast' | 'paper-mix' | 'uunifast-mix';

export interface SweepPoint {
  generator: GeneratorName;
  tasks: number;
  utilisation: number;
  count: number;
  seed: number;
}

export interface PolicyCounts {
  analysis: number;
  simulation: number;
  /** Σ over simulated tasksets of world switches within the simulated horizon. */
  worldSwitches: number;
}

export interface SweepPointResult extends SweepPoint {
  /** Tasksets actually generated (the paper rule can fail to hit a target within its attempt budget). */
  generated: number;
  policies: Record<Policy, PolicyCounts>;
  /** How layer memory was counted against the enclave: the platform's memory model, which the networks must be planned with (sweep-worker.ts does). */
  memoryModel: MemoryModel;
  /** Largest per-taskset ratio of LW to FUSION (greedy) world switches. */
  maxSwitchReduction: number;
  /** Σ of the per-taskset ratios of LW to FUSION (greedy) world switches, and how many tasksets had one. */
  switchReductionSum: number;
  switchReductionTasksets: number;
}

/** Plans a zoo network once for a sweep: LW units at the enclave capacity (memory counted by `memoryModel`), and whole layers. */
export function planNetwork(name: ZooNetworkName, capacity: number, model: CostModel = cortexA53Enclave, memoryModel: MemoryModel = defaultMemoryModel): PlannedNetwork {
  return planLayers(name, zooLayerProfiles(name, model, memoryModel), capacity, memoryModel);
}

/** A network the sweep runs: a zoo network (WCETs from the cost model), or measured layers (a profile's). */
export type SweepNetwork = { name: ZooNetworkName; layers?: undefined } | { name: string; layers: LayerProfile[] };

export function planSweepNetwork(network: SweepNetwork, capacity: number, memoryModel: MemoryModel = defaultMemoryModel): PlannedNetwork {
  return network.layers ? planLayers(network.name, network.layers, capacity, memoryModel) : planNetwork(network.name, capacity, cortexA53Enclave, memoryModel);
}

/** Plans given layers once for a sweep: LW units at the enclave capacity, and whole layers. */
export function planLayers(name: string, layers: readonly LayerProfile[], capacity: number, memoryModel: MemoryModel = defaultMemoryModel): PlannedNetwork {
  const wholeLayers = layers.map(wholeLayerUnit);
  const slicedUnits = layers.flatMap((layer) => sliceLayer(layer, capacity, {}, Infinity, memoryModel));
  return { name, slicedUnits, wholeLayers, executionTime: wholeLayers.reduce((sum, unit) => sum + unit.wcet, 0) };
}

export function runSweepPoint(point: SweepPoint, networks: PlannedNetwork[], platform: Platform): SweepPointResult {
  const random = seededRandom(point.seed);
  const counts = Object.fromEntries(policies.map((policy) => [policy, { analysis: 0, simulation: 0, worldSwitches: 0 }])) as Record<Policy, PolicyCounts>;
  let generated = 0;
  let maxSwitchReduction = 0;
  let switchReductionSum = 0;
  let switchReductionTasksets = 0;
  for (let index = 0; index < point.count; index++) {
    const taskset: GeneratedTaskset | undefined = point.generator.startsWith('paper')
      ? paperTaskset(random, networks, point.tasks, point.utilisation)
      : uunifastTaskset(random, networks, point.tasks, point.utilisation);
    if (!taskset) break;
    generated++;
    const views: PlannedViews = { platform, slicedTasks: taskset.slicedTasks, wholeLayerTasks: taskset.wholeLayerTasks };
    // The authors' horizon: synchronous release, simulated over 2·max(period) (hyperperiods of random periods are astronomically long).
    const releaseHorizon = 2 * Math.max(...taskset.slicedTasks.map((task) => task.period));
    const switches: Partial<Record<Policy, number>> = {};
    let greedyVerdict;
    for (const policy of policies) {
      const evaluation = evaluatePolicy(views, policy, { simulate: true, quick: true, greedyVerdict, simulation: { releaseHorizon } });
      if (policy === 'fusion-greedy') greedyVerdict = evaluation.analysis;
      const simulation = evaluation.simulation!;
      const count = counts[policy];
      if (evaluation.analysis.schedulable) count.analysis++;
      if (simulation.schedulable) count.simulation++;
      count.worldSwitches += simulation.worldSwitches;
      switches[policy] = simulation.worldSwitches;
    }
    if (switches['fusion-greedy']) {
      const reduction = (switches.lw ?? 0) / switches['fusion-greedy'];
      maxSwitchReduction = Math.max(maxSwitchReduction, reduction);
      switchReductionSum += reduction;
      switchReductionTasksets++;
    }
  }
  const memoryModel = platform.memoryModel ?? defaultMemoryModel;
  return { ...point, generated, policies: counts, memoryModel, maxSwitchReduction, switchReductionSum, switchReductionTasksets };
}

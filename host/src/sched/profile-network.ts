// From a measured profile to the DNN the scheduler plans, and which of the scheduler's networks (zoo-shapes.ts) it is.
//
// Folding: the runnable graph has an activation (relu, leaky) or a flatten as a layer of its own after the layer it
// reads, where darknet and the sched networks count it inside that layer (in place; a flatten moves nothing). Such a
// layer is folded into the one before it: its measured time is added, its memory is already the host's output.
//
// Matching: a profile is of a sched network only when its shaped layers (conv, pool, fc) are, in order, exactly the
// network's shaped layers. Names are not compared (darknet's numbering differs by one), shapes are.
import { isDeepStrictEqual } from 'node:util';
import { graphLayerMemory } from './profile-layers.js';
import type { MemoryModel } from './memory-model.js';
import type { Profile, ProfileLayer } from './profile-file.js';
import type { LayerProfile, LayerShape } from './task-model.js';
import { zooNetworkNames, zooNetworks, type ZooNetworkName } from './zoo-shapes.js';

const foldedOps = new Set(['relu', 'leakyRelu', 'flatten']);

export interface FoldedLayer {
  layer: ProfileLayer;
  /** Names of the in-place layers whose times were added to this one. */
  folded: string[];
  wcet: number;
}

/** The profile's layers with in-place layers folded into the layer they follow and read. */
export function foldInPlaceLayers(layers: readonly ProfileLayer[]): FoldedLayer[] {
  const out: FoldedLayer[] = [];
  for (const layer of layers) {
    const previous = out.at(-1);
    const previousName = previous?.folded.at(-1) ?? previous?.layer.name;
    if (previous && foldedOps.has(layer.op) && layer.inputs.length === 1 && layer.inputs[0] === previousName) {
      previous.folded.push(layer.name);
      previous.wcet += layer.wcet_us;
    } else {
      out.push({ layer, folded: [], wcet: layer.wcet_us });
    }
  }
  return out;
}

export interface SchedMatch {
  network: ZooNetworkName;
  /** Sched layers without a shape (opaque: yolo, route, upsample, softmax) and how many device layers are shape-less. */
  opaqueSchedLayers: string[];
  shapelessDeviceLayers: string[];
}

/** The sched network whose shaped layers equal the profile's, in order; or why none does. */
export function matchSchedNetwork(layers: readonly { name: string; shape?: LayerShape }[]): { match?: SchedMatch; reasons: string[] } {
  const shaped = layers.filter((layer) => layer.shape);
  const reasons: string[] = [];
  for (const network of zooNetworkNames) {
    const sched = zooNetworks[network].filter((layer) => layer.shape);
    const firstDifference = sched.findIndex((layer, index) => !isDeepStrictEqual(layer.shape, shaped[index]?.shape));
    if (firstDifference < 0 && sched.length === shaped.length) {
      return {
        match: { network, opaqueSchedLayers: zooNetworks[network].filter((layer) => !layer.shape).map((layer) => layer.name), shapelessDeviceLayers: layers.filter((layer) => !layer.shape).map((layer) => layer.name) },
        reasons,
      };
    }
    const at = firstDifference < 0 ? sched.length : firstDifference;
    reasons.push(`${network}: ${firstDifference < 0 ? `${sched.length} shaped layers, the profile has ${shaped.length}` : `shaped layer ${at + 1} (${sched[at]!.name}) differs from the profile's ${shaped[at]?.name ?? '(none)'}`}`);
  }
  return { reasons };
}

export interface ProfileNetwork {
  /** What the sweep and its outputs call it: the sched network when the profile matches one, else the model id. */
  name: string;
  layers: LayerProfile[];
  match?: SchedMatch;
  /** One line naming the measurement: file, model, device, board, firmware, target kind, runs, statistic, date. */
  source: string;
  /** The same in few words, for a chart: model, device, target kind, runs, statistic, day. */
  brief: string;
  worldSwitch?: number;
}

/** The DNN to schedule from a profile: in-place layers folded, memory counted by `memoryModel` from each shape or working set. */
export function profileNetwork(profile: Profile, memoryModel: MemoryModel, file?: string): ProfileNetwork {
  const folded = foldInPlaceLayers(profile.layers);
  const layers: LayerProfile[] = folded.map(({ layer, wcet }) => ({ name: layer.name, wcet, memory: graphLayerMemory(layer, memoryModel), ...(layer.shape ? { shape: layer.shape } : {}) }));
  const { match } = matchSchedNetwork(layers);
  const statistic = profile.measurement.percentile === 100 ? 'max' : `p${profile.measurement.percentile}`;
  const source = `${file ? `${file}: ` : ''}${profile.model.id}${match ? ` (= sched ${match.network} by shapes)` : ''} measured on ${profile.device.id} (${profile.device.board}, firmware ${profile.device.firmware}, ${profile.target.kind}), ${profile.measurement.runs} runs, WCET = ${statistic} of each layer, ${profile.measurement.date}`;
  const brief = `${profile.model.id} on ${profile.device.id} (${profile.device.board}, ${profile.target.kind}), ${profile.measurement.runs} runs, WCET ${statistic}, ${profile.measurement.date.slice(0, 10)}`;
  return { name: match?.network ?? profile.model.id, layers, ...(match ? { match } : {}), source, brief, ...(profile.world_switch ? { worldSwitch: profile.world_switch.wcet_us } : {}) };
}

// Where per-layer WCET and memory come from: zoo shapes + cost model, a CSV, or device timing records.
import { percentile } from '../device/clock-estimate.js';
import { cortexA53Enclave, estimateWcet, type CostModel } from './cost-model.js';
import { TasksetError } from './errors.js';
import { bytesPerValue, layerMemory } from './layer-shapes.js';
import { countedValues, defaultMemoryModel, type MemoryModel } from './memory-model.js';
import type { LayerProfile, LayerShape } from './task-model.js';
import { zooNetworks, type ZooNetworkName } from './zoo-shapes.js';

/** Profiles of a zoo network: memory exact from shapes (counted as `memoryModel` says), WCET from the cost model. */
export function zooLayerProfiles(network: ZooNetworkName, model: CostModel = cortexA53Enclave, memoryModel: MemoryModel = defaultMemoryModel): LayerProfile[] {
  return zooNetworks[network].map((layer) => {
    if (layer.shape) return { name: layer.name, wcet: estimateWcet(layer.shape, model), memory: layerMemory(layer.shape, undefined, undefined, memoryModel), shape: layer.shape, estimated: true };
    const operations = layer.opaqueOperations ?? 0;
    const memory = layer.opaqueFootprint ? countedValues(layer.opaqueFootprint, memoryModel) * bytesPerValue : 0;
    return { name: layer.name, wcet: Math.ceil((operations * model.nanosecondsPerPoolOperation) / 1000) + model.overheadPerInvocation, memory, estimated: true };
  });
}

/**
 * Profiles from a CSV with a header naming `layer`, `wcet_us` and `memory_bytes` columns (any order; other
 * columns are ignored). Layers from a CSV have no shape, so they cannot be sliced.
 */
export function csvLayerProfiles(text: string, file = 'layers.csv'): LayerProfile[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const header = (lines.shift() ?? '').split(',').map((cell) => cell.trim());
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new TasksetError({ file, field: 'header' }, `missing column "${name}" (have: ${header.join(', ')})`);
    return index;
  };
  const [nameAt, wcetAt, memoryAt] = [column('layer'), column('wcet_us'), column('memory_bytes')];
  return lines.map((line, row) => {
    const cells = line.split(',').map((cell) => cell.trim());
    const number = (index: number, field: string) => {
      const value = Number(cells[index]);
      if (!Number.isInteger(value) || value < 0) throw new TasksetError({ file, field: `line ${row + 2}: ${field}` }, `expected a non-negative integer, got "${cells[index] ?? ''}"`);
      return value;
    };
    return { name: cells[nameAt] ?? `layer${row}`, wcet: number(wcetAt, 'wcet_us'), memory: number(memoryAt, 'memory_bytes') };
  });
}

/** One measured layer execution, as the timing pipeline's job records will provide it. */
export interface LayerTimingRecord {
  layer: string;
  /** Measured execution time in device clock ticks. */
  ticks: number;
}

export interface TimingProfileOptions {
  clockHz: number;
  /** Which statistic becomes the WCET: the maximum (default) or a percentile in (0, 100]. */
  percentile?: number;
  /** Layer order, memory and shapes; when absent, layers appear in first-seen order with `memory` 0. */
  layers?: { name: string; memory?: number; shape?: LayerShape }[];
  /** How the memory of layers with a shape is counted (default `full`). */
  memoryModel?: MemoryModel;
}

/** Profiles from per-layer timing records: the WCET of a layer is the maximum (or a percentile) of its records, in µs rounded up. */
export function timingLayerProfiles(records: readonly LayerTimingRecord[], options: TimingProfileOptions): LayerProfile[] {
  const samples = new Map<string, number[]>();
  for (const record of records) {
    const list = samples.get(record.layer) ?? [];
    list.push(record.ticks);
    samples.set(record.layer, list);
  }
  const order: { name: string; memory?: number; shape?: LayerShape }[] = options.layers ?? [...samples.keys()].map((name) => ({ name }));
  return order.map((layer) => {
    const ticks = samples.get(layer.name);
    if (!ticks?.length) throw new TasksetError({ field: `layer ${layer.name}` }, 'no timing records for this layer');
    // Nearest-rank percentile: the smallest sample with at least p% of samples at or below it (100%: the maximum).
    const statistic = percentile([...ticks].sort((a, b) => a - b), (options.percentile ?? 100) / 100);
    const profile: LayerProfile = {
      name: layer.name,
      wcet: Math.ceil((statistic * 1e6) / options.clockHz),
      memory: layer.shape ? layerMemory(layer.shape, undefined, undefined, options.memoryModel) : (layer.memory ?? 0),
    };
    if (layer.shape) profile.shape = layer.shape;
    return profile;
  });
}

// LW slicing: cut each layer into the fewest slices that each fit the enclave; each slice is one enclave entry.
import { LayerTooLargeError, type EntryLocation } from './errors.js';
import { formatBytes } from './units.js';
import { axisExtent, layerMemory, layerOperations, partition, slicingAxes, type SlicingAxis } from './layer-shapes.js';
import { defaultMemoryModel, type MemoryModel } from './memory-model.js';
import type { ExecutionUnit, LayerProfile, Platform, PlannedTask, Task } from './task-model.js';

/** A whole layer as one execution unit (not sliced). */
export function wholeLayerUnit(layer: LayerProfile): ExecutionUnit {
  return { layer: layer.name, slice: 0, slices: 1, wcet: layer.wcet, memory: layer.memory };
}

/**
 * Slices of one layer. A layer that fits is one unit; WCET is split in proportion to operations, rounded up.
 * `maxSliceTime` (optional) also asks for slices no longer than that many µs, so that a short-period task can
 * run between them; it is honoured as far as the axis allows (a layer without shape stays whole).
 * `memoryModel` says how a slice's memory is counted (memory-model.ts); the layer's own `memory` is taken as given.
 */
export function sliceLayer(layer: LayerProfile, capacity: number, at: EntryLocation = {}, maxSliceTime = Infinity, memoryModel: MemoryModel = defaultMemoryModel): ExecutionUnit[] {
  const shape = layer.shape;
  if (layer.memory <= capacity && (layer.wcet <= maxSliceTime || !shape)) return [wholeLayerUnit(layer)];
  if (!shape) throw new LayerTooLargeError(layer.name, layer.memory, capacity, 'it has no shape, so there is no axis to slice along', at);
  const sliceMemory = (axis: SlicingAxis, part: number) => layerMemory(shape, axis, part, memoryModel);
  let best: { axis: SlicingAxis; parts: number[]; meetsTime: boolean; longestSlice: number } | undefined;
  let smallestNeed = layer.memory;
  for (const axis of slicingAxes(shape)) {
    const extent = axisExtent(shape, axis);
    // Memory grows with slice size, so the fewest slices is the smallest count whose largest slice fits.
    const single = sliceMemory(axis, 1);
    smallestNeed = Math.min(smallestNeed, single);
    if (single > capacity) continue;
    let low = 1;
    let high = extent;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (sliceMemory(axis, Math.ceil(extent / middle)) <= capacity) high = middle;
      else low = middle + 1;
    }
    // Work splits in proportion to the part, so the largest slice (⌈extent/k⌉ parts) sets the slice time.
    let slicesForTime = Number.isFinite(maxSliceTime) ? Math.ceil(layer.wcet / maxSliceTime) : 1;
    while (slicesForTime < extent && Math.ceil((layer.wcet * Math.ceil(extent / slicesForTime)) / extent) > maxSliceTime) slicesForTime++;
    const count = Math.min(extent, Math.max(low, slicesForTime));
    const longestSlice = Math.ceil((layer.wcet * Math.ceil(extent / count)) / extent);
    const meetsTime = longestSlice <= maxSliceTime;
    // Prefer an axis that meets the time bound (then fewer slices); failing that, the shortest longest slice.
    const better = !best || (meetsTime !== best.meetsTime ? meetsTime : meetsTime ? count < best.parts.length : longestSlice < best.longestSlice);
    if (better) best = { axis, parts: partition(extent, count), meetsTime, longestSlice };
  }
  if (!best) {
    if (layer.memory <= capacity) return [wholeLayerUnit(layer)];
    throw new LayerTooLargeError(layer.name, smallestNeed, capacity, `even its smallest slice along ${slicingAxes(shape).join(' or ')} needs ${formatBytes(smallestNeed)}`, at);
  }
  const { axis, parts } = best;
  const total = layerOperations(shape);
  return parts.map((part, slice) => ({
    layer: layer.name,
    slice,
    slices: parts.length,
    wcet: Math.ceil((layer.wcet * layerOperations(shape, axis, part)) / total),
    memory: sliceMemory(axis, part),
  }));
}

/** A task with its timing kept; an enclave task's layers become `toUnits(layers)`. */
function withUnits(task: Task, toUnits: (layers: LayerProfile[]) => ExecutionUnit[]): PlannedTask {
  const { name, period, deadline, offset } = task;
  if (task.kind === 'normal') return { kind: 'normal', name, period, deadline, offset, wcet: task.wcet };
  return { kind: 'enclave', name, period, deadline, offset, units: toUnits(task.layers) };
}

/** LW units of a task on `platform`: every layer sliced to fit its enclave (and its `maxSliceTime`), memory counted by its `memoryModel`. */
export function planTask(task: Task, platform: Pick<Platform, 'enclaveCapacity' | 'maxSliceTime' | 'memoryModel'>, at: EntryLocation = {}): PlannedTask {
  const { enclaveCapacity, maxSliceTime, memoryModel } = platform;
  return withUnits(task, (layers) => layers.flatMap((layer) => sliceLayer(layer, enclaveCapacity, { ...at, task: task.name }, maxSliceTime, memoryModel)));
}

/** The no-TEE view of a taskset: whole layers, no capacity limit (a baseline, never a deployable plan). */
export function unslicedTask(task: Task): PlannedTask {
  return withUnits(task, (layers) => layers.map(wholeLayerUnit));
}

// How many enclave entries an LW INFER of a model takes at a TA entry budget: host/src/sched's prediction of the
// `entries` a TEE device's RESULT reports (one per slice, or per layer that fits whole; SPEC.md §4.4).
import type { Graph } from '../model/ir.js';
import { LayerTooLargeError } from './errors.js';
import { graphLayerProfiles } from './graph-profiles.js';
import { sliceLayer } from './lw-slicing.js';

export type LwEntryPrediction =
  | { entries: number; layers: number; sliced: number }
  | { tooLarge: { layer: string; need: number; have: number } };

/** LW units of every layer of `graph` (as the container holds it) at `entryBudget` bytes. */
export function predictLwEntries(graph: Graph, entryBudget: number): LwEntryPrediction {
  let entries = 0;
  let sliced = 0;
  const profiles = graphLayerProfiles(graph);
  for (const profile of profiles) {
    try {
      const units = sliceLayer(profile, entryBudget);
      entries += units.length;
      if (units.length > 1) sliced++;
    } catch (error) {
      if (error instanceof LayerTooLargeError) return { tooLarge: { layer: error.layer, need: error.need, have: error.have } };
      throw error;
    }
  }
  return { entries, layers: profiles.length, sliced };
}

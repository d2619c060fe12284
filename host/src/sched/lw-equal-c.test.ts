// One LW slicing rule per language, tested equal: host/src/sched's sliceLayer/planTask and firmware/nn's
// rtnn_lw_plan_layer (the rule the Pi agent plans INFER with and the TA checks units against), compiled here from
// firmware/nn's sources as the rtinfer-lw filter. For every zoo network (the model zoo as the device runs it, and
// the three scheduling networks) at several capacities, both must give the same slice count and the same bytes
// per slice for every layer, and refuse the same layers with the same need.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../model/fold-batch-norm.js';
import { zooModel, zooNames } from '../model/zoo/index.js';
import { LayerTooLargeError } from './errors.js';
import { graphLayerProfiles } from './graph-profiles.js';
import { zooLayerProfiles } from './layer-profiles.js';
import { outputSize } from './layer-shapes.js';
import { planTask, sliceLayer } from './lw-slicing.js';
import type { LayerProfile } from './task-model.js';
import { zooNetworkNames } from './zoo-shapes.js';

const nn = fileURLToPath(new URL('../../../firmware/nn/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'lw-c-'));
const filter = join(work, 'rtinfer-lw');

beforeAll(() => {
  const sources = readdirSync(join(nn, 'src')).filter((file) => file.endsWith('.c'));
  execFileSync('cc', ['-std=c11', '-O1', '-Wall', '-Wextra', '-Werror', `-I${join(nn, 'include')}`, `-I${join(nn, 'src')}`,
    ...sources.map((file) => join(nn, 'src', file)), join(nn, 'tests', 'lw_plan_cli.c'), '-lmbedcrypto', '-lm', '-o', filter]);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A profile as one rtinfer-lw input line. */
function line(profile: LayerProfile): string {
  const shape = profile.shape;
  if (!shape) return `opaque ${profile.memory / 4}`;
  switch (shape.kind) {
    case 'conv': {
      const outH = outputSize(shape.inHeight, shape.kernel, shape.stride, shape.padding);
      const outW = outputSize(shape.inWidth, shape.kernel, shape.stride, shape.padding);
      return `conv ${shape.inChannels} ${shape.inHeight} ${shape.inWidth} ${shape.outChannels} ${outH} ${outW} ${shape.kernel} ${shape.stride}`;
    }
    case 'fc':
      return `fc ${shape.inputs} ${shape.outputs}`;
    case 'pool': {
      const outH = shape.outHeight ?? outputSize(shape.inHeight, shape.kernel, shape.stride, 0);
      const outW = shape.outWidth ?? outputSize(shape.inWidth, shape.kernel, shape.stride, 0);
      return `pool ${shape.channels} ${shape.inHeight} ${shape.inWidth} ${outH} ${outW} ${shape.kernel} ${shape.stride}`;
    }
  }
}

/** What the TS rule gives, in rtinfer-lw's output format. */
function tsLines(profiles: LayerProfile[], capacity: number): string[] {
  return profiles.map((profile, index) => {
    try {
      const units = sliceLayer(profile, capacity);
      return `${capacity} ${index} ${units.length} ${units.map((unit) => unit.memory).join(',')}`;
    } catch (error) {
      if (!(error instanceof LayerTooLargeError)) throw error;
      return `${capacity} ${index} too-large ${error.need}`;
    }
  });
}

const capacities = [16 * 1024, 64 * 1024, 128 * 1024, 256 * 1024, 1024 * 1024, 8 * 1024 * 1024, 64 * 1024 * 1024];

function compare(name: string, profiles: LayerProfile[]): { sliced: number; tooLarge: number } {
  const output = execFileSync(filter, capacities.map(String), { input: profiles.map(line).join('\n') + '\n', maxBuffer: 64 << 20 }).toString();
  const expected = capacities.flatMap((capacity) => tsLines(profiles, capacity));
  expect(output.trim().split('\n'), name).toEqual(expected);
  return { sliced: expected.filter((l) => Number(l.split(' ')[2]) > 1).length, tooLarge: expected.filter((l) => l.includes('too-large')).length };
}

describe('LW slicing: the C rule (firmware/nn) equals the TypeScript rule (host/src/sched)', () => {
  it.each(zooNames)('zoo model %s, as the device runs it', (name) => {
    // Folding draws the lazy weights: only the networks with batch norm need it (it removes those layers).
    const graph = zooModel(name);
    const profiles = graphLayerProfiles(graph.layers.some((layer) => layer.op === 'batchNorm') ? foldBatchNorm(graph) : graph);
    const { sliced } = compare(name, profiles);
    // Something is sliced at the small capacities for every network: the comparison is not only of whole layers.
    expect(sliced).toBeGreaterThan(0);
  });

  it.each(zooNetworkNames)('scheduling network %s', (name) => {
    compare(name, zooLayerProfiles(name));
  });

  it('planTask gives the units the per-layer comparison covers', () => {
    const layers = graphLayerProfiles(zooModel('cifarnet'));
    const planned = planTask({ kind: 'enclave', name: 'cifarnet', period: 1e6, deadline: 1e6, offset: 0, layers }, { enclaveCapacity: 256 * 1024, maxSliceTime: Infinity, memoryModel: 'full' });
    expect(planned.kind === 'enclave' && planned.units.length).toBe(layers.flatMap((layer) => sliceLayer(layer, 256 * 1024)).length);
  });
});

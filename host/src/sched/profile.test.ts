import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { zooModel } from '../model/zoo/index.js';
import { layerMemory } from './layer-shapes.js';
import { parseProfile, profileToJson, readProfileFile, type Profile } from './profile-file.js';
import { graphLayerShapes } from './profile-layers.js';
import { describeTarget, deviceSwitchOf, measureProfile } from './profile-measure.js';
import { foldInPlaceLayers, matchSchedNetwork, profileNetwork } from './profile-network.js';
import { zooNetworks } from './zoo-shapes.js';

const layersOf = (name: string) => {
  const graph = zooModel(name);
  return graphLayerShapes(graph).map((layer, index) => ({ ...layer, inputs: graph.layers[index]!.inputs }));
};

/** A lenet-5 profile from hand-made RESULT ticks on a 1 MHz TEE device: layer i takes 10·(i+1) ticks, plus `extra` on run r. */
function lenetProfile(runs = 3): Profile {
  const layers = layersOf('lenet-5');
  return measureProfile({
    runs: Array.from({ length: runs }, (_, run) => ({ layerTicks: layers.map((_, index) => BigInt(10 * (index + 1) + run)) })),
    warmup: 1,
    layers,
    device: { id: 'pi-t', board: 'optee_sim', firmware: '0.1.0', clock_hz: 1_000_000, link: '/dev/pts/9', tee: true, tee_heap: 5 << 20 },
    model: { id: 'lenet-5', content_digest: 'ab'.repeat(32), file_sha256: 'cd'.repeat(32), layers: layers.length },
    input: 'test input 0',
    date: new Date('2026-12-03T12:00:00Z'),
  });
}

describe('profile measurement', () => {
  it('takes each layer\'s WCET from layer_ticks (max, or a percentile), memory from its shape, and bounds the world switch by the shortest entry', () => {
    const profile = lenetProfile();
    expect(profile.layers.map((layer) => layer.name)).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'ip1', 'ip1_relu', 'ip2', 'prob']);
    // Max over runs 0..2 of 10·(i+1) + run ticks at 1 MHz.
    expect(profile.layers.map((layer) => layer.wcet_us)).toEqual([12, 22, 32, 42, 52, 62, 72, 82]);
    expect(profile.layers[0]!.samples).toEqual({ min_us: 10, p50_us: 11, p90_us: 12, p99_us: 12, max_us: 12 });
    const conv1 = profile.layers[0]!;
    expect(conv1.shape).toEqual({ kind: 'conv', inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 20, kernel: 5, stride: 1, padding: 0 });
    expect(conv1.memory_bytes).toBe(layerMemory(conv1.shape!));
    expect(profile.layers[4]!.shape).toEqual({ kind: 'fc', inputs: 800, outputs: 500 });
    // A shape-less layer: its working set (input + output, no weights) counts.
    expect(profile.layers[5]!.shape).toBeUndefined();
    expect(profile.layers[5]!.memory_bytes).toBe((500 + 500) * 4);
    // The shortest entry of each run is conv1's (10, 11, 12 µs): the bound's max is 12 µs.
    expect(profile.world_switch).toMatchObject({ wcet_us: 12, runs: 3, samples: { min_us: 10, max_us: 12 } });
    expect(profile.target.kind).toBe('simulated');
    expect(profile.measurement.layer_time).toContain('world switch');

    const p50 = measureProfile({ ...inputOf(profile), percentile: 50 });
    expect(p50.layers[0]!.wcet_us).toBe(11);
    expect(p50.world_switch!.wcet_us).toBe(11);
  });

  it('takes the world switch from empty entries when the measuring side made them', () => {
    const profile = measureProfile({ ...inputOf(lenetProfile()), emptyEntries: { microseconds: [3.2, 2.9, 4.5, 3.0], method: 'empty entry round trip: 4 STATS invocations' } });
    expect(profile.world_switch).toEqual({ method: 'empty entry round trip: 4 STATS invocations', wcet_us: 5, samples: { min_us: 2.9, p50_us: 3, p90_us: 4.5, p99_us: 4.5, max_us: 4.5 }, runs: 4 });
  });

  it('takes the world switch from the device\'s own distribution (HELLO tee_switch), the statistic at or above the percentile', () => {
    // 512 entries on a 1 GHz clock: min 9.5 µs, p50 10 µs, p90 12.25 µs, p99 20 µs, max 31.1 µs.
    const deviceSwitch = deviceSwitchOf([512n, 9_500n, 10_000n, 12_250n, 20_000n, 31_100n], 1e9)!;
    expect(deviceSwitch).toEqual({ count: 512, min: 9.5, p50: 10, p90: 12.25, p99: 20, max: 31.1 });
    const profile = measureProfile({ ...inputOf(lenetProfile()), deviceSwitch });
    expect(profile.world_switch).toMatchObject({ wcet_us: 32, runs: 512, samples: { min_us: 9.5, p50_us: 10, p90_us: 12.25, p99_us: 20, max_us: 31.1 } });
    expect(profile.world_switch!.method).toMatch(/HELLO tee_switch\): 512 empty enclave entries/);
    const at = (percentile: number) => measureProfile({ ...inputOf(lenetProfile()), deviceSwitch, percentile }).world_switch!.wcet_us;
    expect([at(50), at(75), at(90), at(95), at(99), at(99.9)]).toEqual([10, 13, 13, 20, 20, 32]);
    // Absent, empty or short: none, and the shortest-entry bound stands.
    expect(deviceSwitchOf(undefined, 1e9)).toBeUndefined();
    expect(deviceSwitchOf([0n, 0n, 0n, 0n, 0n, 0n], 1e9)).toBeUndefined();
    expect(deviceSwitchOf([5n, 1n, 2n], 1e9)).toBeUndefined();
    // A file written with p90 reads back the same; one without it (older) still reads.
    expect(parseProfile(profileToJson(profile)).world_switch).toEqual(profile.world_switch);
  });

  it('has no world switch on a device without a TEE, and says what each board\'s times are', () => {
    const profile = measureProfile({ ...inputOf(lenetProfile()), device: { id: 'sim-1', board: 'posix_sim', firmware: '0.1.0', clock_hz: 1e9, link: '/dev/pts/1', tee: false } });
    expect(profile.world_switch).toBeUndefined();
    expect(describeTarget('optee_sim').statement).toMatch(/host CPU's times, not a Raspberry Pi's/);
    expect(describeTarget('optee_qemu_v8')).toMatchObject({ kind: 'emulated', statement: expect.stringMatching(/TCG/) });
    expect(describeTarget('optee_rpi3').kind).toBe('hardware');
    // Both QEMU board images are emulated, whatever core they stand for.
    expect(describeTarget('mps2_an500')).toMatchObject({ kind: 'emulated', statement: expect.stringMatching(/Cortex-M7/) });
    expect(describeTarget('netduinoplus2').kind).toBe('emulated');
  });

  it('refuses RESULTs without layer ticks, or with another layer count, as typed errors', () => {
    const base = inputOf(lenetProfile());
    expect(() => measureProfile({ ...base, runs: [{ layerTicks: [] }] })).toThrow(expect.objectContaining({ code: 'profile_no_layer_timings' }));
    expect(() => measureProfile({ ...base, runs: [{ layerTicks: [1n, 2n] }] })).toThrow(expect.objectContaining({ code: 'profile_model_mismatch', facts: expect.objectContaining({ need: 8, have: 2 }) }));
  });
});

function inputOf(profile: Profile) {
  const layers = layersOf('lenet-5');
  return {
    runs: [0, 1, 2].map((run) => ({ layerTicks: layers.map((_, index) => BigInt(10 * (index + 1) + run)) })),
    warmup: 1,
    layers,
    device: profile.device,
    model: profile.model,
    input: profile.measurement.input,
  };
}

describe('profile file', () => {
  it('round-trips', () => {
    const profile = lenetProfile();
    expect(parseProfile(profileToJson(profile))).toEqual(profile);
  });

  const edited = (edit: (json: Record<string, any>) => void) => {
    const json = JSON.parse(profileToJson(lenetProfile()));
    edit(json);
    return JSON.stringify(json, null, 2);
  };

  it.each([
    ['a non-positive WCET', (json: Record<string, any>) => (json.layers[2].wcet_us = 0), /p\.json: layers\[2\]\.wcet_us \(line \d+\): expected a positive number, got 0/],
    ['a memory its shape does not give', (json: Record<string, any>) => (json.layers[0].memory_bytes = 5), /layers\[0\]\.memory_bytes \(line \d+\): 5 bytes, but its shape under memory model full gives \d+/],
    ['an unknown field', (json: Record<string, any>) => (json.layers[1].colour = 'red'), /layers\[1\]\.colour \(line \d+\): unknown field "colour"/],
    ['a missing field', (json: Record<string, any>) => delete json.device, /p\.json: root \(line 1\): missing field "device"/],
    ['another format', (json: Record<string, any>) => (json.format = 'rtinfer-profile/9'), /format \(line 2\): expected "rtinfer-profile\/1"/],
    ['a layer count the model does not have', (json: Record<string, any>) => json.layers.pop(), /layers \(line \d+\): the model has 8 layers, the profile lists 7/],
    ['percentiles out of order', (json: Record<string, any>) => (json.layers[3].samples.min_us = 1e9), /layers\[3\]\.samples \(line \d+\): expected min ≤ p50 ≤ p99 ≤ max/],
    ['an unknown memory model', (json: Record<string, any>) => (json.memory_model = 'most'), /memory_model \(line \d+\): unknown memory model "most"/],
  ])('refuses %s with the field and its line', (_, edit, message) => {
    expect(() => parseProfile(edited(edit), 'p.json')).toThrow(message);
    expect(() => parseProfile(edited(edit), 'p.json')).toThrow(expect.objectContaining({ code: 'invalid_profile' }));
  });

  it('puts the line of a bad field in its facts, and reports malformed JSON with line and column', () => {
    const text = edited((json) => (json.layers[2].wcet_us = -3));
    const line = text.split('\n').findIndex((each) => each.includes('"wcet_us": -3')) + 1;
    expect(() => parseProfile(text, 'p.json')).toThrow(expect.objectContaining({ facts: expect.objectContaining({ line }) }));
    expect(() => parseProfile('{ "format": "rtinfer-profile/1",\n  "layers": [ }', 'p.json')).toThrow(expect.objectContaining({ code: 'malformed_yaml', message: expect.stringMatching(/p\.json: line 2, column \d+: malformed YAML/) }));
  });
});

describe('profiles and the scheduler\'s networks', () => {
  const shapedNames = (name: string) => graphLayerShapes(zooModel(name)).filter((layer) => layer.shape).map((layer) => layer.name);

  it('the runnable tiny-darknet, yolov3-tiny and deeptrust-alexnet-squeezed have exactly the sched networks\' conv, pool and fc shapes', () => {
    expect(matchSchedNetwork(graphLayerShapes(zooModel('tiny-darknet'))).match?.network).toBe('tiny-darknet');
    expect(matchSchedNetwork(graphLayerShapes(zooModel('yolov3-tiny'))).match?.network).toBe('yolov3-tiny');
    const alexnet = matchSchedNetwork(graphLayerShapes(zooModel('deeptrust-alexnet-squeezed')));
    expect(alexnet.match?.network).toBe('alexnet-squeezed');
    // The built graph keeps the sched names, layer for layer.
    expect(shapedNames('deeptrust-alexnet-squeezed')).toEqual(zooNetworks['alexnet-squeezed'].map((layer) => layer.name));
    // YOLOv3-tiny's yolo and route bookkeeping has no layer in the runnable graph; it is named, not invented.
    expect(matchSchedNetwork(graphLayerShapes(zooModel('yolov3-tiny'))).match?.opaqueSchedLayers).toEqual(['yolo16', 'route17', 'upsample19', 'route20', 'yolo23']);
  });

  it('the zoo\'s CIFAR-10 alexnet-squeezed is not the sched AlexNet-squeezed, and says where it differs', () => {
    const { match, reasons } = matchSchedNetwork(graphLayerShapes(zooModel('alexnet-squeezed')));
    expect(match).toBeUndefined();
    expect(reasons[0]).toMatch(/^alexnet-squeezed: shaped layer 1 \(conv1\) differs from the profile's conv1/);
  });

  it('folds in-place activations and flattens into the layer they follow, adding their times', () => {
    const profile = lenetProfile();
    const folded = foldInPlaceLayers(profile.layers);
    expect(folded.map((each) => [each.layer.name, each.folded, each.wcet])).toEqual([
      ['conv1', [], 12], ['pool1', [], 22], ['conv2', [], 32], ['pool2', [], 42], ['ip1', ['ip1_relu'], 52 + 62], ['ip2', [], 72], ['prob', [], 82],
    ]);
    const network = profileNetwork(profile, 'input', 'p.json');
    expect(network.layers).toHaveLength(7);
    expect(network.layers[0]!.memory).toBe(layerMemory(profile.layers[0]!.shape!, undefined, undefined, 'input'));
    expect(network.worldSwitch).toBe(12);
    expect(network.name).toBe('lenet-5');
    expect(network.source).toMatch(/^p\.json: lenet-5 measured on pi-t \(optee_sim, firmware 0\.1\.0, simulated\), 3 runs, WCET = max of each layer/);
  });
});

describe('the committed profiles of the paper\'s networks (profiles/, bench/paper-profiles.ts)', () => {
  it.each([
    ['deeptrust-alexnet-squeezed', 'alexnet-squeezed'],
    ['tiny-darknet', 'tiny-darknet'],
    ['yolov3-tiny', 'yolov3-tiny'],
  ] as const)('%s.profile.json reads back, is of the sched %s, every layer timed, and says it was simulated', (model, network) => {
    const file = fileURLToPath(new URL(`./profiles/${model}.profile.json`, import.meta.url));
    const profile = readProfileFile(file);
    expect(profile.model.id).toBe(model);
    expect(profile.model.layers).toBe(zooModel(model).layers.length);
    expect(profile.layers.every((layer) => layer.wcet_us > 0)).toBe(true);
    expect(profile.target.kind).toBe('simulated');
    expect(profile.world_switch).toBeDefined();
    expect(profileNetwork(profile, 'full').match?.network).toBe(network);
  });
});

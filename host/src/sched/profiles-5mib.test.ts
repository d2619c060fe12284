// The committed profiles of the paper's networks in the 5 MiB TA (profiles/optee-qemu, profiles/teesim-5mib;
// profiles/README.md): each reads back, every layer is timed, the target is what it says (OP-TEE under QEMU:
// emulated, its world switch the agent's EMPTY entries; teesim: simulated), the weights were kept sparse and the
// TA's heap peak is inside its budget, and only AlexNet-squeezed (at its paper input) is the sched network.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProfileFile } from './profile-file.js';
import { profileNetwork } from './profile-network.js';

const sets = [
  ['optee-qemu', 'emulated', 'optee_qemu_v8', /HELLO tee_switch/],
  ['teesim-5mib', 'simulated', 'optee_sim', /STATS invocations/],
] as const;
const models = [
  ['deeptrust-alexnet-squeezed', 'alexnet-squeezed'],
  ['tiny-darknet-192', undefined],
  ['yolov3-tiny-192', undefined],
] as const;

describe.each(sets)('profiles/%s', (folder, kind, board, switchMethod) => {
  it.each(models)('%s reads back, every layer timed, sparse inside the 5 MiB heap, sched network %s', (model, network) => {
    const profile = readProfileFile(fileURLToPath(new URL(`./profiles/${folder}/${model}.profile.json`, import.meta.url)));
    expect(profile.model.id).toBe(model);
    expect(profile.layers).toHaveLength(profile.model.layers);
    expect(profile.layers.every((layer) => layer.wcet_us > 0 && layer.samples.min_us <= layer.wcet_us)).toBe(true);
    expect(profile.target.kind).toBe(kind);
    expect(profile.device.board).toBe(board);
    expect(profile.device.tee_heap).toBeLessThanOrEqual(5 * 1024 * 1024);
    const peak = Number(/heap peak (\d+) B/.exec(profile.device.link)?.[1]);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(profile.device.tee_heap!);
    expect(profile.device.link).toContain('sparse × codebook');
    expect(profile.world_switch?.method).toMatch(switchMethod);
    expect(profile.world_switch!.wcet_us).toBeGreaterThan(0);
    expect(profileNetwork(profile, 'full').match?.network).toBe(network);
  });
});

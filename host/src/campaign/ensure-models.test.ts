// ensureModels' placement, on a device of N slots kept in memory with MODEL_STATUS's rules (a push goes into the slot
// asked for, else the lowest slot not active, and becomes active): the run-time refusal of more models than slots
// (before any push), no push displacing a model the run needs, the run's own model active last. The real devices
// (the Pi agent, the STM32 sim) are exercised by hil-tests/src/campaign-two-models.test.ts.
import { Capability } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../device/session.js';
import type { CampaignDevice } from './campaign-device.js';
import { ensureModels, type ModelFile, TooManyModelsError } from './ensure-models.js';
import type { RunFolder } from './run-folder.js';
import type { TargetHandle } from './targets.js';

/** A device of `count` slots holding the models named in `holding` (slot → name), `active` the active one. */
function device(count: number, holding: (string | undefined)[] = [], active?: number) {
  const slots = Array.from({ length: count }, (_, slot) => holding[slot]);
  const pushes: { model: string; slot: number }[] = [];
  const info = { deviceId: 'dev-1', caps: Capability.MODEL_STORE, slots: count } as unknown as DeviceInfo;
  const campaignDevice: CampaignDevice = {
    info,
    description: 'dev-1',
    slots: async () => ({
      count,
      ...(active !== undefined ? { active } : {}),
      verified: slots.flatMap((name, slot) => (name === undefined ? [] : [{ slot, sha256: `sha-${name}` }])),
    }),
    push: async (container, options) => {
      const name = new TextDecoder().decode(container as Uint8Array);
      const slot = options.slot ?? Array.from({ length: count }, (_, each) => each).find((each) => each !== active)!;
      // As a device refuses it (device_bad_state): the active model's slot is not written while it is active.
      if (slot === active && slots[slot] !== name) throw new Error(`slot ${slot} is active`);
      slots[slot] = name;
      active = slot;
      pushes.push({ model: slots[slot]!, slot });
    },
    infer: async () => {
      throw new Error('not in this test');
    },
    runPeriodic: async () => {
      throw new Error('not in this test');
    },
  };
  return { campaignDevice, pushes, slots, active: () => active };
}

const model = (name: string) => ({ name, container: new TextEncoder().encode(name), decoded: { modelId: name }, sha256: `sha-${name}` }) as unknown as ModelFile;
const folder = {} as RunFolder;
const target = {} as TargetHandle;
const signal = new AbortController().signal;

describe('ensureModels', () => {
  it('refuses more models than the device has slots, with need and have, before pushing anything', async () => {
    const { campaignDevice, pushes } = device(2);
    const refused = ensureModels(campaignDevice, target, 'two-on-two', model('a'), [model('b'), model('c')], folder, signal);
    await expect(refused).rejects.toBeInstanceOf(TooManyModelsError);
    await expect(refused).rejects.toMatchObject({ code: 'too_many_models', facts: { run: 'two-on-two', device: 'dev-1', models: 'a, b, c', need: 3, have: 2 } });
    expect(pushes).toEqual([]);
  });

  it('pushes what is missing without displacing a model the run needs, and makes the run model active last', async () => {
    // b is held in slot 1, a third model is active in slot 0, which cannot be written while it is active: b is made
    // active again in place (pushed into its own slot), which frees slot 0 for a, and a is active last.
    const { campaignDevice, pushes, slots, active } = device(2, ['other', 'b'], 0);
    const { pushed, slots: placed } = await ensureModels(campaignDevice, target, 'run', model('a'), [model('b')], folder, signal);
    expect(pushed).toBe(true);
    expect(pushes).toEqual([
      { model: 'b', slot: 1 },
      { model: 'a', slot: 0 },
    ]);
    expect(slots).toEqual(['a', 'b']);
    expect(active()).toBe(0);
    expect(Object.fromEntries(placed)).toEqual({ a: 0, b: 1 });
  });

  it('puts a missing model in a free slot, then the run model active in its own', async () => {
    // Three slots: a active in 0, c in 2 (not needed): b goes to slot 1, the lowest slot neither active nor needed.
    const { campaignDevice, pushes, active } = device(3, ['a', undefined, 'c'], 0);
    const { slots: placed } = await ensureModels(campaignDevice, target, 'run', model('a'), [model('b')], folder, signal);
    expect(pushes).toEqual([
      { model: 'b', slot: 1 },
      { model: 'a', slot: 0 },
    ]);
    expect(active()).toBe(0);
    expect(Object.fromEntries(placed)).toEqual({ a: 0, b: 1 });
  });

  it('pushes nothing when every model is held and the run model is active', async () => {
    const { campaignDevice, pushes } = device(2, ['a', 'b'], 0);
    const { pushed } = await ensureModels(campaignDevice, target, 'run', model('a'), [model('b')], folder, signal);
    expect(pushed).toBe(false);
    expect(pushes).toEqual([]);
  });
});

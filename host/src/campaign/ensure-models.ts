// A run's models on its target: its own model active (pushed, sealed to the pinned TA key on a TEE device, unless the
// active slot holds it already) and each model its tasks name besides (issue 13) held in a slot of its own beside it.
// Each is pushed the same way, made active when pushed: the TA checks a sealed container when it is activated, so a
// rollback refusal comes at the push, where the sealing above the held generation mends it (seal-above-held.ts); the
// run's model is made active last. What a slot holds is known by its SHA-256: a TEE device's is the sealed stream's,
// which the campaign keeps per model and device in the run folder when it pushes it, so a resumed campaign pushes
// nothing a slot holds already.
import { decodeContainer, type DecodedContainer } from '../compress/container.js';
import type { DeviceInfo } from '../device/session.js';
import { isTeeDevice } from '../device/tee-key.js';
import { RtinferError } from '../errors.js';
import { loadLabForPins } from '../lab/tee-pins.js';
import { sha256Of } from '../transfer/push-model.js';
import { sealForDevice } from '../transfer/seal-for-device.js';
import type { CampaignDevice, HeldSlots } from './campaign-device.js';
import type { RunFolder } from './run-folder.js';
import { pushSealedAboveHeld } from './seal-above-held.js';
import type { TargetHandle } from './targets.js';

export interface ModelFile {
  name: string;
  container: Uint8Array;
  decoded: DecodedContainer;
  sha256: string;
}

export function loadModelFile(name: string, bytes: Uint8Array): ModelFile {
  return { name, container: bytes, decoded: decodeContainer(bytes, name), sha256: Buffer.from(sha256Of(bytes)).toString('hex') };
}

const sealedRecord = (folder: RunFolder, model: ModelFile, info: DeviceInfo) => folder.path('models', `${model.name}.${info.deviceId}.sealed.json`);

/** The SHA-256 a slot holding the model has: the container's, or on a TEE device the sealing's the campaign pushed
 * (undefined: never pushed to this device). */
function heldSha256(folder: RunFolder, model: ModelFile, info: DeviceInfo): string | undefined {
  return isTeeDevice(info) ? folder.readJson<{ sha256: string }>(sealedRecord(folder, model, info))?.sha256 : model.sha256;
}

/** Where a model goes when pushed: `slot` (else the device's choice); `anywhere`: a slot that holds it already will
 * do, active or not; `held` is the device's slots when the caller read them already. */
export interface Placement {
  anywhere?: boolean;
  slot?: number;
  held?: HeldSlots;
}

/** Pushes the model (and makes it active) unless the device holds it already where it must (the active slot, or with
 * `anywhere` any slot); returns what was done. */
export async function ensureModel(device: CampaignDevice, target: TargetHandle, model: ModelFile, folder: RunFolder, signal: AbortSignal, placement: Placement = {}): Promise<{ pushed: boolean; sha256: string }> {
  const info = device.info;
  const tee = isTeeDevice(info);
  const held = placement.held ?? (await device.slots());
  const expected = heldSha256(folder, model, info);
  const holding = held.verified.filter((slot) => slot.sha256 === expected && (placement.anywhere === true || slot.slot === held.active));
  if (expected !== undefined && holding.length > 0) return { pushed: false, sha256: expected };
  const where = placement.slot !== undefined ? { slot: placement.slot } : {};
  if (!tee) {
    await device.push(model.container, { modelId: model.decoded.modelId, signal, ...where });
    return { pushed: true, sha256: model.sha256 };
  }
  const seal = (generation?: number) =>
    sealForDevice({ info, device: device.description, deviceSpec: info.deviceId, lab: loadLabForPins(target.labFile), container: model.container, cacheDir: folder.path('models', 'sealed'), ...(generation !== undefined ? { generation } : {}) });
  // A device that ran before may hold a later generation than the campaign's lab file knows: sealed above it.
  const { sealing } = await pushSealedAboveHeld(seal, (each) => device.push(each.stream, { modelId: model.decoded.modelId, signal, ...where }));
  folder.writeJson(sealedRecord(folder, model, info), { sha256: sealing.sha256, generation: sealing.generation });
  return { pushed: true, sha256: sealing.sha256 };
}

/** More models than the device has slots for. */
export class TooManyModelsError extends RtinferError {
  constructor(run: string, device: string, models: readonly string[], slots: number) {
    super('too_many_models', `${run}: its task set runs ${models.length} models (${models.join(', ')}), but ${device} holds ${slots}, one per slot: need ${models.length}, have ${slots}`, { run, device, models: models.join(', '), need: models.length, have: slots });
  }
}

/**
 * Each of `others` in a slot of its own and the run's model active; returns whether anything was pushed and the slot
 * holding each model (none for a run of one model). Refused before anything is pushed when the device has fewer
 * slots than models. A model held in any slot stays there; one that is not goes to the lowest slot neither active nor
 * holding another of the run's models, so that no push displaces one the run needs. The run's model is made active
 * last (pushed again into its own slot, if another was made active since).
 */
export async function ensureModels(device: CampaignDevice, target: TargetHandle, run: string, model: ModelFile, others: readonly ModelFile[], folder: RunFolder, signal: AbortSignal): Promise<{ pushed: boolean; slots: Map<string, number> }> {
  const info = device.info;
  const models = [model, ...others];
  let held = await device.slots();
  if (models.length > held.count) throw new TooManyModelsError(run, device.description, models.map((each) => each.name), held.count);
  const slotOf = (each: ModelFile) => held.verified.find((slot) => slot.sha256 === heldSha256(folder, each, info))?.slot;
  const inactive = () => Array.from({ length: held.count }, (_, slot) => slot).filter((slot) => slot !== held.active);
  // Named only where it is not the device's own choice (its lowest slot not active): the push otherwise picks the
  // slot itself, one holding part of the same sealing first (a cut push resumed).
  const into = (slot: number | undefined) => (slot === undefined || slot === inactive()[0] ? {} : { slot });
  let pushed = false;
  const place = async (each: ModelFile, slot: number | undefined) => {
    pushed = (await ensureModel(device, target, each, folder, signal, { held, ...into(slot) })).pushed || pushed;
    held = await device.slots();
  };
  // Slots neither active nor holding a model the run needs: where a push displaces nothing.
  const free = () => {
    const needed = new Set(models.map(slotOf));
    return inactive().filter((slot) => !needed.has(slot));
  };
  for (const each of [...others, model]) {
    if (slotOf(each) !== undefined) continue;
    if (inactive().length > 0 && free().length === 0) {
      // Every slot not active holds a model the run needs, and the active one none: one of them made active (pushed
      // again in place) leaves that slot free.
      const blocking = inactive()[0]!;
      await place(models.find((other) => slotOf(other) === blocking)!, blocking);
    }
    await place(each, free()[0]);
  }
  if (slotOf(model) !== held.active) await place(model, slotOf(model));
  const slots = new Map<string, number>();
  if (others.length === 0) return { pushed, slots };
  for (const each of models) {
    const slot = slotOf(each);
    if (slot === undefined) throw new RtinferError('model_not_held', `${run}: ${each.name} is in no slot of ${device.description} after its push`, { run, model: each.name, device: device.description });
    slots.set(each.name, slot);
  }
  return { pushed, slots };
}

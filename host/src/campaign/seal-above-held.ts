// A sealed push to a TA that may hold a later generation than the lab file knows (a device that ran before, pinned
// afresh in a new lab file): the TA refuses the push as rollback, naming the generation it holds; sealing again one
// above it and pushing once more is the way on. One function for every caller that pushes sealed without the user
// choosing the generation (the campaign's runs, `rtinfer demo --pi-device`).
import { DeviceError } from '../errors.js';
import type { SealedForDevice } from '../transfer/seal-for-device.js';

export interface SealedPush<T> {
  /** The sealing that was pushed (the second, when the first was refused as rollback). */
  sealing: SealedForDevice;
  pushed: T;
}

/** The generation a rollback refusal says the TA holds, or undefined for any other error. */
export function heldGeneration(error: unknown): number | undefined {
  const held = error instanceof DeviceError ? (error.facts as { heldGeneration?: number }).heldGeneration : undefined;
  return held === undefined ? undefined : Number(held);
}

/**
 * `seal()` (the generation the lab file gives), pushed with `push`; refused as rollback, sealed at one above the
 * held generation and pushed again (`onResealed` says so first). Any other error, or a second refusal, is thrown.
 */
export async function pushSealedAboveHeld<T>(
  seal: (generation?: number) => SealedForDevice,
  push: (sealing: SealedForDevice) => Promise<T>,
  onResealed?: (held: number, generation: number) => void,
): Promise<SealedPush<T>> {
  const first = seal();
  try {
    return { sealing: first, pushed: await push(first) };
  } catch (error) {
    const held = heldGeneration(error);
    if (held === undefined) throw error;
    onResealed?.(held, held + 1);
    const again = seal(held + 1);
    return { sealing: again, pushed: await push(again) };
  }
}

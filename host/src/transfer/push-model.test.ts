import { describe, expect, it } from 'vitest';
import { chooseSlot, type ModelSlots, sha256Of } from './push-model.js';

const container = new Uint8Array(5000).fill(7);
const sha = sha256Of(container);
const other = sha256Of(new Uint8Array(5000));

describe('chooseSlot', () => {
  it('honours an explicit slot', () => {
    expect(chooseSlot({ slots: [] }, sha, 5000, 1)).toBe(1);
  });

  it('goes back to a slot that already holds the container, verified first', () => {
    const models: ModelSlots = {
      active: 0,
      slots: [
        { slot: 0, state: 3, size: 5000, sha256: sha, received: 5000 },
        { slot: 1, state: 1, size: 5000, sha256: sha, received: 2048 },
      ],
    };
    expect(chooseSlot(models, sha, 5000, undefined)).toBe(0);
  });

  it('resumes into the slot holding most of it', () => {
    const models: ModelSlots = {
      slots: [
        { slot: 0, state: 1, size: 5000, sha256: sha, received: 1024 },
        { slot: 1, state: 1, size: 5000, sha256: sha, received: 3072 },
      ],
    };
    expect(chooseSlot(models, sha, 5000, undefined)).toBe(1);
  });

  it('matches a header-form push by the stream header SHA-256 alone, and never across the two forms', () => {
    const header = sha256Of(new Uint8Array(10).fill(1));
    const models: ModelSlots = {
      slots: [
        { slot: 0, state: 3, size: 5000, sha256: sha, received: 5000, headerSha256: header }, // verified, begun by header
        { slot: 1, state: 1, size: 5000, received: 1024, headerSha256: header },
      ],
    };
    expect(chooseSlot(models, { headerSha256: header }, 5000, undefined)).toBe(0);
    expect(chooseSlot(models, { headerSha256: other }, 5000, undefined)).toBeUndefined();
    // The file's SHA-256 of a slot begun in the header form names no slot for a push that names it by that SHA-256:
    // the device would not resume it (SPEC.md §4.3).
    expect(chooseSlot(models, sha, 5000, undefined)).toBeUndefined();
  });

  it('does not take the active slot for the same bytes under another model id (the device would refuse: bad_state)', () => {
    const models: ModelSlots = { active: 0, slots: [{ slot: 0, state: 3, modelId: 'c', size: 5000, sha256: sha, received: 5000 }, { slot: 1, state: 0 }] };
    expect(chooseSlot(models, sha, 5000, undefined, 'd')).toBeUndefined();
    expect(chooseSlot(models, sha, 5000, undefined, 'c')).toBe(0);
  });

  it("leaves the choice to the device when no slot holds it", () => {
    const models: ModelSlots = { active: 0, slots: [{ slot: 0, state: 3, size: 5000, sha256: other, received: 5000 }, { slot: 1, state: 0 }] };
    expect(chooseSlot(models, sha, 5000, undefined)).toBeUndefined();
  });
});

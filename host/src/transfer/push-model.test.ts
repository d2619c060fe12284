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

  it("leaves the choice to the device when no slot holds it", () => {
    const models: ModelSlots = { active: 0, slots: [{ slot: 0, state: 3, size: 5000, sha256: other, received: 5000 }, { slot: 1, state: 0 }] };
    expect(chooseSlot(models, sha, 5000, undefined)).toBeUndefined();
  });
});

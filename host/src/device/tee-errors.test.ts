// The TEE refusals of SPEC.md §7 (codes 15–17) as the CLI shows them: typed, with what need and have mean.
import { ErrorCode, MessageType } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors.js';

const refusal = (code: number, need: number, have: number, message: string) =>
  new DeviceError('MODEL_COMMIT', { code, type: MessageType.MODEL_COMMIT, need, have, message }, 'optee_sim pi-1');

describe('TEE refusals from the device', () => {
  it('budget: bytes needed and the heap budget', () => {
    const error = refusal(ErrorCode.budget, 6_000_000, 5_177_344, 'model over the TA heap budget');
    expect(error.code).toBe('device_budget');
    expect(error.message).toBe('optee_sim pi-1 refused MODEL_COMMIT: budget: model over the TA heap budget (need 6000000 bytes, have 5177344 bytes)');
    expect(error.facts).toMatchObject({ need: 6_000_000, have: 5_177_344 });
  });

  it('rollback: the generation held and the one sealed', () => {
    const error = refusal(ErrorCode.rollback, 7, 3, 'older generation');
    expect(error.code).toBe('device_rollback');
    expect(error.message).toContain('(the TA holds generation 7, this container is sealed at generation 3: an older model)');
    expect(error.facts).toMatchObject({ heldGeneration: 7, sealedGeneration: 3 });
  });

  it('authentication: the segment and its byte offset in the sealed container', () => {
    const error = refusal(ErrorCode.authentication, 2, 33_145, 'segment tag');
    expect(error.code).toBe('device_authentication');
    expect(error.message).toContain('(segment 2, at byte offset 33145 of the sealed container)');
    expect(error.facts).toMatchObject({ segment: 2, offset: 33_145 });
  });

  it('other codes keep need/have as they were', () => {
    expect(refusal(ErrorCode.no_space, 10, 5, 'too big').message).toContain('(need 10, have 5)');
  });
});

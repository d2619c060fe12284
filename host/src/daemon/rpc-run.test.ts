// The `run` method's params for a TEE device: the plan the caller made (params.taskset) is checked by the protocol's
// own TASKSET schema and against params.tasks, and goes only to a TEE device, which runs nothing else.
import { Capability, type DeviceBody } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { checkPlanFor, runParams } from './rpc-run.js';
import { thrownRtinferError } from '../util/thrown.js';

const tasks = [{ task: 0, periodUs: 500_000, deadlineUs: 500_000, mode: 'dense' }];
const plan = { tasks: [{ task: 0, periodUs: 500_000, deadlineUs: 500_000, mode: 0, policy: 0 }], units: [[0, 0, 1, 4096, 12], [1, 0, 1, 2048, 7]], capacity: 1 << 20, worldSwitchUs: 0 };
const hello = (caps: number, board: string) => ({ proto: 1, maxFrame: 4096, board, firmware: '0.1.0', deviceId: 'd', clockHz: 1_000_000_000n, caps, ram: 0, slotSize: 0, slots: 2, bootId: 1, uptime: 0n }) as DeviceBody<'HELLO'>;

const failure = thrownRtinferError;

describe('run params with a TEE plan', () => {
  it('passes a well-formed plan of the same tasks on unchanged', () => {
    expect(runParams({ tasks, durationUs: 1_000_000, taskset: plan })).toMatchObject({ durationUs: 1_000_000, taskset: plan });
    expect(runParams({ tasks, durationUs: 1_000_000 }).taskset).toBeUndefined();
  });

  it.each([
    ['not a mapping', [1, 2], /params\.taskset must be a TEE device's TASKSET body/],
    ['a zero period', { ...plan, tasks: [{ ...plan.tasks[0], periodUs: 0 }] }, /params\.taskset is not a TASKSET body: 0 is not a u32 ≥ 1/],
    ['a unit of zero slices', { ...plan, units: [[0, 0, 0, 4096, 12]] }, /params\.taskset is not a TASKSET body/],
    ['a policy over a byte', { ...plan, tasks: [{ ...plan.tasks[0], policy: 300 }] }, /params\.taskset is not a TASKSET body/],
    ['other task ids', { ...plan, tasks: [{ ...plan.tasks[0], task: 4 }] }, /params\.taskset has tasks 4, params\.tasks 0/],
  ])('refuses %s as bad_request', (_name, taskset, message) => {
    const error = failure(() => runParams({ tasks, durationUs: 1_000_000, taskset }));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(message);
  });

  it('a TEE device needs a plan; a device without a TEE takes none', () => {
    const pi = hello(Capability.TEE, 'optee_sim');
    const stm32 = hello(0, 'posix_sim');
    expect(() => checkPlanFor('b', 'pi-1', pi, plan as never)).not.toThrow();
    expect(() => checkPlanFor('b', 'sim-1', stm32, undefined)).not.toThrow();
    expect(failure(() => checkPlanFor('b', 'pi-1', pi, undefined)).toJSON()).toMatchObject({ code: 'tee_needs_plan', device: 'pi-1', board: 'optee_sim', bench: 'b' });
    expect(failure(() => checkPlanFor('b', 'sim-1', stm32, plan as never)).toJSON()).toMatchObject({ code: 'tee_not_tee', device: 'sim-1', board: 'posix_sim' });
  });
});

// What each policy dispatches: which units (LW slices or whole layers), which world-switch cost, which packing rule.
import type { PackingRule } from './packing.js';
import type { Platform, PlannedTask, Policy } from './task-model.js';

/** A taskset planned both ways: LW slices (what the enclave can run) and whole layers (the no-TEE baseline). */
export interface PlannedViews {
  platform: Platform;
  slicedTasks: PlannedTask[];
  wholeLayerTasks: PlannedTask[];
}

export interface Dispatch {
  policy: Policy;
  tasks: PlannedTask[];
  worldSwitch: number;
  capacity: number;
  rule: PackingRule;
}

/** The dispatch of a fixed-rule policy; fusion-budget needs its budget (see chooseBudget in plan-budget.ts). */
export function fixedDispatch(views: PlannedViews, policy: Exclude<Policy, 'fusion-budget'>): Dispatch {
  const { enclaveCapacity: capacity, worldSwitch } = views.platform;
  switch (policy) {
    case 'lw':
      return { policy, tasks: views.slicedTasks, worldSwitch, capacity, rule: { kind: 'single-unit' } };
    case 'fusion-greedy':
      return { policy, tasks: views.slicedTasks, worldSwitch, capacity, rule: { kind: 'greedy-first-fit', capacity } };
    case 'no-tee':
      return { policy, tasks: views.wholeLayerTasks, worldSwitch: 0, capacity: Infinity, rule: { kind: 'single-unit' } };
  }
}

export function budgetedDispatch(views: PlannedViews, budget: number): Dispatch {
  const { enclaveCapacity: capacity, worldSwitch } = views.platform;
  return { policy: 'fusion-budget', tasks: views.slicedTasks, worldSwitch, capacity, rule: { kind: 'budgeted-run', capacity, worldSwitch, budget } };
}

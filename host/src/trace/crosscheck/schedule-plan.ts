// The plan a TEE device ran, as a recording carries it (its header's `schedulePlan`): what the host's simulator
// needs to say which entries the agent should have formed. Kept as plain JSON so a recording is self-contained.
import type { Dispatch } from '../../sched/dispatch.js';
import type { TeeTasksetPlan } from '../../device/tee-taskset.js';

export interface SchedulePlan {
  /** The trace's task id of each dispatch task, in the TASKSET's order (the dispatch's task order). */
  taskIds: number[];
  /** Each unit's container layer and slice, in plan order: how layer and slice events name a unit. */
  units: { layer: number; slice: number; slices: number }[];
  /** What sched/simulator.ts simulates: the tasks with their units, the packing rule, the capacity. */
  dispatch: Dispatch;
}

export function schedulePlanOf(plan: TeeTasksetPlan): SchedulePlan {
  return {
    taskIds: plan.body.tasks.map((task) => task.task),
    units: plan.units.map((unit) => ({ layer: unit.layerIndex, slice: unit.slice, slices: unit.slices })),
    dispatch: plan.dispatch,
  };
}

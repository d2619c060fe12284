// The plan of a run on a TEE device: each enclave task runs the model it names (one under the campaign's models:,
// taskset-models.ts), from the slot the campaign pushed that model to; the run's model stands for the task set's
// top-level one. A bench's daemon client plans from the task set file itself (daemon/bench-run-target.ts): for a set
// of several models it gets the same tasks, each naming its model's container in the run folder (loaded there as an
// .rtm) and its slot, so that both plans are made from the same graphs.
import type { NamedDeviceTask } from '../device/device-taskset-file.js';
import { planTeeTaskset, readTeeTasksetSettings, type TeeTasksetPlan, type TeeTasksetSource } from '../device/tee-taskset.js';
import { RtinferError } from '../errors.js';
import type { Campaign, CampaignRun } from './campaign-spec.js';
import type { ModelFile } from './ensure-models.js';
import type { RunFolder } from './run-folder.js';
import { resolveTaskModels } from './taskset-models.js';

export interface TeeRunPlanOptions {
  run: CampaignRun;
  /** The task set file's tasks, as read. */
  tasks: readonly NamedDeviceTask[];
  model: ModelFile;
  taskModels: readonly ModelFile[];
  /** The slot holding each model, by its name under models: (empty for a run of one model). */
  slots: ReadonlyMap<string, number>;
  models: Campaign['models'];
  folder: RunFolder;
  teeHeap: number;
}

export function teeRunPlan(options: TeeRunPlanOptions): { plan: TeeTasksetPlan; source: TeeTasksetSource } {
  const { run, tasks, model, taskModels, slots, folder } = options;
  const policy = run.mode as 'lw' | 'fusion' | 'fusion-budget';
  const settings = readTeeTasksetSettings(run.taskset);
  const resolved = resolveTaskModels(tasks, settings.model, run.model, options.models, run.taskset);
  // The campaign's file was checked when it was read: a task set edited since is refused here, as there.
  if ('undeclared' in resolved) throw new RtinferError('invalid_taskset', `${run.taskset}: task "${resolved.undeclared.task}" names the model "${resolved.undeclared.model}", which is not under the campaign's models`, { ...resolved.undeclared });
  const several = taskModels.length > 0;
  const named = tasks.map((task, index) => {
    const name = resolved.models[index];
    if (name === undefined) return task;
    return { ...task, model: name, ...(several ? { slot: slots.get(name)! } : {}) };
  });
  const graphs = new Map(taskModels.map((each) => [each.name, each.decoded.graph]));
  const plan = planTeeTaskset(named, { graph: model.decoded.graph, graphs, teeHeap: options.teeHeap, settings: { ...settings, model: run.model }, policy });
  const sourceTasks = several ? named.map((task) => (task.model === undefined ? task : { ...task, model: folder.model(task.model) })) : tasks;
  return { plan, source: { file: run.taskset, tasks: sourceTasks, policy } };
}

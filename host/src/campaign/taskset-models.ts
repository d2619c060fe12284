// The models a run's task set names (issue 13, "each task names its model"), as the campaign knows them: an enclave
// task's own `model:` is one under the campaign's `models:` (by its name there, or by its source: a zoo name, or a
// file resolved against the task set's folder), so the campaign compresses it with its settings and pushes it as it
// does the run's own model. A task that names none runs the run's model, as does one that names the task set's
// top-level model when no entry under `models:` is that (the run's model stands for it); a normal-world task runs
// none in the enclave.
import { dirname, resolve } from 'node:path';
import type { NamedDeviceTask } from '../device/device-taskset-file.js';
import { isZooName } from '../model/zoo/index.js';
import type { CampaignModel } from './campaign-spec.js';

/** Models a device holds at once: its A/B slots (SPEC.md §4.3), one model each. */
export const DEVICE_MODEL_SLOTS = 2;

/** A task's model that no entry under `models:` is. */
export interface UndeclaredModel {
  task: string;
  model: string;
}

/**
 * Each task's model by its name under `models:` (`runModel` for an enclave task that names none, or names the task
 * set's top-level `model` declared nowhere), undefined for a normal-world task; or the first task whose model is
 * declared nowhere.
 */
export function resolveTaskModels(
  tasks: readonly NamedDeviceTask[],
  fileModel: string | undefined,
  runModel: string,
  models: ReadonlyMap<string, CampaignModel>,
  tasksetFile: string,
): { models: (string | undefined)[] } | { undeclared: UndeclaredModel } {
  const byName = (written: string): string | undefined => {
    if (models.has(written)) return written;
    const source = isZooName(written) ? written : resolve(dirname(tasksetFile), written);
    // Two entries of one source differ in their compression: the task set must then name the one it means.
    const same = [...models.values()].filter((model) => model.source === source);
    return same.length === 1 ? same[0]!.name : undefined;
  };
  const resolved: (string | undefined)[] = [];
  for (const task of tasks) {
    if (task.policy === 'normal') {
      resolved.push(undefined);
      continue;
    }
    if (task.model === undefined) {
      resolved.push(runModel);
      continue;
    }
    const name = byName(task.model) ?? (task.model === fileModel ? runModel : undefined);
    if (name === undefined) return { undeclared: { task: task.name ?? String(task.task), model: task.model } };
    resolved.push(name);
  }
  return { models: resolved };
}

/** The models of a run besides its own, in the order its tasks first name them. */
export function otherModels(taskModels: readonly (string | undefined)[], runModel: string): string[] {
  return [...new Set(taskModels.filter((model): model is string => model !== undefined && model !== runModel))];
}

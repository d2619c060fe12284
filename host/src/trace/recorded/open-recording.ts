// What the trace commands share: a recording and the task set to check it
// against (the --taskset file, else the one the recording carries).
import { TasksetSpecError } from '../errors.js';
import type { TasksetSpec } from '../spec.js';
import { readDeviceTaskset, toTasksetSpec } from '../../device/device-taskset-file.js';
import type { ParsedTrace } from './format.js';
import { readRecordedTrace } from './replay.js';

export function openRecording(file: string, tasksetFile: string | undefined): ParsedTrace & { spec: TasksetSpec } {
  const trace = readRecordedTrace(file);
  const spec = tasksetFile ? toTasksetSpec(readDeviceTaskset(tasksetFile)) : trace.header.taskset;
  if (!spec) throw new TasksetSpecError(file, 'the recording carries no task set: pass --taskset <file>', { field: 'taskset' });
  return { ...trace, spec };
}

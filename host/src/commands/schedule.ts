import { Args, Flags } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { describeCostModel, cortexA53Enclave } from '../sched/cost-model.js';
import { defaultMemoryModel, describeMemoryModel } from '../sched/memory-model.js';
import { formatPolicyReport, plannedViews, policyReport } from '../sched/schedule-report.js';
import { readTasksetFile } from '../sched/taskset-file.js';
import { policies, type Policy } from '../sched/task-model.js';
import { formatBytes, formatDuration } from '../sched/units.js';

const policyChoices = ['lw', 'fusion', 'fusion-greedy', 'fusion-budget', 'no-tee', 'all'] as const;

export default class Schedule extends RtinferCommand {
  static override summary = 'Plan a DeepTrust^RT taskset (LW slices, FUSION groups), analyse it and simulate it.';
  static override description = `Reads a taskset YAML file (see examples/tasksets/), slices every layer to fit the enclave, and for each policy prints the plan, the verdict of the processor-demand test (EDF with non-preemptive entries, world-switch cost and blocking; see host/src/sched/README.md) and of a simulation of the same dispatcher, with the worst response time and slack of every task. A "no" names the task and the window where demand exceeds supply, and the first simulated deadline miss.

Policies: lw (one slice per enclave entry), fusion (the paper's greedy first-fit, also fusion-greedy), fusion-budget (ours: analysis-guided packing), no-tee (the baseline without enclave), all.
Times are integer microseconds. Zoo networks (dnn: ...) take their WCETs from our cost model, not from measurements: ${describeCostModel(cortexA53Enclave)}.`;
  static override examples = [
    { command: '<%= config.bin %> schedule examples/tasksets/alexnet-three-tasks.yaml', description: 'Every policy, as text.' },
    { command: '<%= config.bin %> schedule examples/tasksets/alexnet-three-tasks.yaml --policy fusion --json', description: "The paper's FUSION only, as JSON." },
    { command: '<%= config.bin %> schedule examples/tasksets/bad-utilisation.yaml', description: 'A bad taskset: the error names the entry at fault.' },
  ];
  static override args = { taskset: Args.string({ description: 'Taskset YAML file.', required: true }) };
  static override flags = {
    policy: Flags.string({ char: 'p', summary: 'Policy to plan and check.', options: [...policyChoices], default: 'all' }),
  };

  async run() {
    const { args, flags } = await this.parse(Schedule);
    const taskset = readTasksetFile(args.taskset);
    const views = plannedViews(taskset, args.taskset);
    const chosen: Policy[] = flags.policy === 'all' ? [...policies] : [flags.policy === 'fusion' ? 'fusion-greedy' : (flags.policy as Policy)];
    const reports = chosen.map((policy) => policyReport(views, policy));
    const estimated = taskset.tasks.some((task) => task.kind === 'enclave' && task.layers.some((layer) => layer.estimated));
    const memoryModel = taskset.platform.memoryModel ?? defaultMemoryModel;
    const notes = [describeMemoryModel(memoryModel), ...(estimated ? [`zoo network WCETs are estimates from the ${describeCostModel(cortexA53Enclave)}`] : [])];
    if (!this.jsonEnabled()) {
      const { enclaveCapacity, worldSwitch } = taskset.platform;
      this.log(`taskset     ${args.taskset}: ${taskset.tasks.length} tasks, enclave ${formatBytes(enclaveCapacity)}, world switch ${formatDuration(worldSwitch)}`);
      for (const note of notes) this.log(`note        ${note}`);
      for (const report of reports) {
        this.log('');
        for (const line of formatPolicyReport(report)) this.log(line);
      }
    }
    return { taskset: args.taskset, platform: { ...taskset.platform, memoryModel }, timeUnit: 'µs', notes, policies: reports };
  }
}

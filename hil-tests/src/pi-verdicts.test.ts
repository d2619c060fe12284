// Verdicts of runs on the simulated Pi, checked against the other two ways rtinfer judges the same run:
// 1. a replay of its recording (`rtinfer trace check`): live, the host clock may call a job overdue before the TRACE
//    batch with its on-time end arrives; that verdict is retracted, so the run's misses are the recording's, task by
//    task, however loaded the machine (the counts are compared with each other, never with a constant);
// 2. the schedulability analysis (`rtinfer schedule`) on the layer WCETs `rtinfer profile` measured: a set it says
//    holds with a large margin (periods ≥ 20× the measured job) runs without a miss under LW and FUSION.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { piFixture } from './support/pi-fixture.js';
import { piTargetKind } from './support/pi-target.js';

const pi = piFixture({ prefix: 'pi-verdicts', push: true });

interface RunSummary {
  kind: 'summary';
  misses: number;
  retracted: number;
  tasks: { task: number; name: string; jobs: number; misses: number }[];
}

const ndjson = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as { kind: string; [key: string]: unknown });

async function runJson(...args: string[]): Promise<RunSummary> {
  const run = await rtinfer('run', '-d', pi.agent.pty, ...args, '--json');
  expect(run.code, run.stderr).toBe(0);
  const summary = ndjson(run.stdout).at(-1) as unknown as RunSummary;
  expect(summary.kind).toBe('summary');
  return summary;
}

describe(`verdicts on a simulated Pi (${piTargetKind()})`, () => {
  it('an overloaded FUSION run: its live misses are the ones `rtinfer trace check` finds in its recording, task by task', async () => {
    // A 1 ms control job with a 1.2 ms deadline beside two DNN tasks whose fused entries block it: it misses some
    // deadlines and meets others by a hair, the case where the host clock passes a deadline before the trace says.
    const tasks = join(pi.dir, 'overloaded.yaml');
    writeFileSync(
      tasks,
      [
        `model: ${pi.model}`,
        'platform: { enclave_capacity: 2.5MiB }',
        'tasks:',
        '  - { name: camera, task: 0, period: 20ms, deadline: 20ms, policy: lw }',
        '  - { name: lidar, task: 1, period: 20ms, deadline: 20ms, policy: lw }',
        '  - { name: control, task: 2, period: 3ms, deadline: 1200us, policy: normal, work: 1ms }',
        '',
      ].join('\n'),
    );
    const recording = join(pi.dir, 'overloaded.rtrace.jsonl');
    const live = await runJson('-t', tasks, '--policy', 'fusion', '--duration', '1s', '--trace', 'jobs,layers', '--record', recording);
    const checked = await rtinfer('trace', 'check', recording, '--json');
    expect(checked.code, checked.stderr).toBe(0);
    const lines = ndjson(checked.stdout);
    const replayed = lines.at(-1) as unknown as { kind: string; misses: number; retracted: number };
    expect(replayed.kind).toBe('summary');
    const replayedMisses = lines.filter((line) => line.kind === 'miss') as unknown as { task: number }[];
    console.log(`live ${live.misses} misses (${live.retracted} early clock verdicts retracted), replayed ${replayed.misses}`);
    expect(live.misses).toBe(replayed.misses);
    expect(replayedMisses).toHaveLength(replayed.misses);
    for (const task of live.tasks) expect(task.misses, task.name).toBe(replayedMisses.filter((miss) => miss.task === task.task).length);
    // A replay has no host clock: nothing to retract.
    expect(replayed.retracted).toBe(0);
  });

  it('the verdicts agree with `rtinfer schedule` on the measured profile: schedulable by a wide margin under LW and FUSION, and no miss in a run', async () => {
    const profile = join(pi.dir, 'lenet-5.profile.json');
    const profiled = await rtinfer('profile', pi.model, '--device', pi.agent.pty, '--runs', '3', '-o', profile);
    expect(profiled.code, profiled.stderr).toBe(0);
    const measured = JSON.parse(readFileSync(profile, 'utf8')) as { layers: { wcet_us: number }[]; world_switch?: { wcet_us: number } };
    const worldSwitchUs = Math.ceil(measured.world_switch?.wcet_us ?? 0);
    const jobUs = measured.layers.reduce((sum, layer) => sum + layer.wcet_us, 0) + 2 * worldSwitchUs;
    const controlUs = 1000;
    // One period for all: 20× the longest busy stretch (both DNN jobs fused, then the control job), at least 20 ms.
    const periodMs = Math.max(20, Math.ceil((20 * (2 * jobUs + controlUs)) / 1000));
    const durationMs = Math.min(3000, Math.max(1000, 4 * periodMs));
    console.log(`lenet-5 job ${jobUs} µs measured (world switch ${worldSwitchUs} µs): period ${periodMs} ms, runs of ${durationMs} ms`);

    // The analysis' file (rtinfer schedule) and the device's (rtinfer run) say the same set with the same profile.
    const analysed = join(pi.dir, 'profiled-schedule.yaml');
    writeFileSync(
      analysed,
      [
        `platform: { enclave_capacity: 2.5MiB, world_switch: ${worldSwitchUs}us }`,
        'tasks:',
        `  - { name: camera, period: ${periodMs}ms, profile: ${profile} }`,
        `  - { name: lidar, period: ${periodMs}ms, profile: ${profile} }`,
        `  - { name: control, kind: normal, period: ${periodMs}ms, wcet: ${controlUs}us }`,
        '',
      ].join('\n'),
    );
    const device = join(pi.dir, 'profiled-run.yaml');
    writeFileSync(
      device,
      [
        `model: ${pi.model}`,
        `profile: ${profile}`,
        'platform: { enclave_capacity: 2.5MiB }',
        'tasks:',
        `  - { name: camera, task: 0, period: ${periodMs}ms, deadline: ${periodMs}ms, policy: lw }`,
        `  - { name: lidar, task: 1, period: ${periodMs}ms, deadline: ${periodMs}ms, policy: lw }`,
        `  - { name: control, task: 2, period: ${periodMs}ms, deadline: ${periodMs}ms, policy: normal, work: ${controlUs}us }`,
        '',
      ].join('\n'),
    );

    for (const [schedulePolicy, runPolicy] of [
      ['lw', 'lw'],
      ['fusion-greedy', 'fusion'],
    ] as const) {
      const scheduled = await rtinfer('schedule', analysed, '--policy', schedulePolicy, '--json');
      expect(scheduled.code, scheduled.stderr).toBe(0);
      const verdict = (JSON.parse(scheduled.stdout) as { policies: { policy: string; analysis: { schedulable: boolean; utilisationWithWorldSwitches: number }; simulation: { schedulable: boolean } }[] }).policies.find((entry) => entry.policy === schedulePolicy);
      expect(verdict, schedulePolicy).toMatchObject({ analysis: { schedulable: true }, simulation: { schedulable: true } });
      // The margin the run relies on: each task is busy at most 1/20 of its period.
      expect(verdict!.analysis.utilisationWithWorldSwitches, schedulePolicy).toBeLessThanOrEqual(0.15);

      const run = await runJson('-t', device, '--policy', runPolicy, '--duration', `${durationMs}ms`);
      expect(run.tasks.map((task) => task.jobs > 0), runPolicy).toEqual([true, true, true]);
      expect(run.misses, runPolicy).toBe(0);
    }
  });
});

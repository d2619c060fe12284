// The schedule cross-check on the simulated Pi (issue 13 §5 and its Must-show): rtinfer-agent's dispatcher runs
// lenet-5 tasks in the enclave; given the times the agent traced (releases, when it decided each entry, how long
// each took), the host's simulator must form the same entries in the same order with the same groups. Checked
// live by `rtinfer run --check-plan` and again from the recording by `rtinfer trace check --against-plan`, which
// needs nothing but the recording (it carries the plan). The check replays the traced times, so it holds whatever
// the machine's load. Then an overloaded set: each miss is told with the enclave entries that ran instead, and
// only facts EDF fixes are asserted (who goes first on a tie), never a timing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { jsonLines, piFixture } from './support/pi-fixture.js';
import { piTargetKind } from './support/pi-target.js';

interface Member { task: number; job: number; from: number; count: number }
interface PlanCheckLine {
  kind: 'plan_check';
  result: { kind: string; entries?: number; fused?: number; entry?: number; problem?: string; agent?: Member[]; simulator?: Member[] };
  blocking: { task: number; job: number; blockedBy: { number: number; jobs: { task: number; job: number }[] }[] }[];
}

const planCheckOf = (stdout: string) => jsonLines(stdout).find((line) => line.kind === 'plan_check') as PlanCheckLine | undefined;

/** Three lenet-5 tasks whose jobs overlap (the lidar's offset and the radar's period put their releases among the
 * camera's entries) and a normal-world busy task with the earliest deadline; the capacity holds one job's units
 * and part of another's, so FUSION fuses jobs. */
function tasksetYaml(capacity = '2.5MiB'): string {
  return [
    `model: ${pi.model}`,
    `platform: { enclave_capacity: ${capacity} }`,
    'tasks:',
    '  - { name: camera, task: 0, period: 400ms, deadline: 400ms, policy: lw }',
    '  - { name: lidar, task: 1, period: 400ms, deadline: 300ms, offset: 1ms, policy: lw }',
    '  - { name: radar, task: 2, period: 200ms, deadline: 200ms, offset: 2ms, policy: lw }',
    '  - { name: control, task: 3, period: 100ms, deadline: 20ms, policy: normal, work: 1ms }',
    '',
  ].join('\n');
}

const pi = piFixture({ prefix: 'pi-crosscheck', push: true });
beforeAll(() => {
  writeFileSync(join(pi.dir, 'tasks.yaml'), tasksetYaml());
  writeFileSync(join(pi.dir, 'sliced.yaml'), tasksetYaml('1MiB'));
});

describe(`the host simulator reproduces the agent's schedule (${piTargetKind()})`, () => {
  it.each(['lw', 'fusion'] as const)('under %s: live (run --check-plan) and from the recording (trace check --against-plan)', async (policy) => {
    const recording = join(pi.dir, `${policy}.rtrace.jsonl`);
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', join(pi.dir, 'tasks.yaml'), '--policy', policy, '--duration', '1s', '--trace', 'jobs,layers', '--record', recording, '--check-plan', '--json');
    const live = planCheckOf(run.stdout);
    expect(live, run.stderr).toBeDefined();
    expect(live!.result, JSON.stringify(live!.result)).toMatchObject({ kind: 'reproduced' });
    expect(run.code, run.stderr).toBe(0);
    // 1 s: 3 camera, 3 lidar and 5 radar jobs of 8 LW units each; LW enters once per unit, FUSION fewer times.
    // The control job at 0 holds the core until lidar's release at 1 ms (it is preempted only at a release), so
    // the first enclave entry finds camera and lidar ready together: FUSION fuses them, whatever the load.
    const { entries, fused } = live!.result as { entries: number; fused: number };
    if (policy === 'lw') expect([entries, fused]).toEqual([11 * 8, 0]);
    else {
      expect(entries).toBeLessThan(11 * 8);
      expect(fused).toBeGreaterThan(0);
    }

    const check = await rtinfer('trace', 'check', recording, '--against-plan', '--json');
    expect(check.code, check.stderr).toBe(0);
    expect(planCheckOf(check.stdout)!.result).toEqual({ kind: 'reproduced', entries, fused });
    const text = await rtinfer('trace', 'check', recording, '--against-plan');
    expect(text.stdout).toContain(`schedule    reproduced: ${entries} entries`);
    console.log(`pi-crosscheck ${policy}: schedule reproduced, ${entries} entries, ${fused} fused`);
  }, 120_000);

  it.each(['lw', 'fusion-budget'] as const)('under %s with sliced layers (1 MiB cuts ip1 in two): reproduced, entry by entry', async (policy) => {
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', join(pi.dir, 'sliced.yaml'), '--policy', policy, '--duration', '1s', '--trace', 'jobs,layers', '--check-plan', '--json');
    const live = planCheckOf(run.stdout);
    expect(live?.result, run.stderr).toMatchObject({ kind: 'reproduced' });
    expect(run.code, run.stderr).toBe(0);
    // LW: 11 DNN jobs of 9 units (ip1 in two slices), one entry each.
    if (policy === 'lw') expect(live!.result.entries).toBe(11 * 9);
    console.log(`pi-crosscheck sliced ${policy}: schedule reproduced, ${live!.result.entries} entries, ${live!.result.fused} fused`);
  }, 120_000);

  it('a recording without the plan, or without layer events, is refused with its facts (exit 2)', async () => {
    const jobsOnly = join(pi.dir, 'jobs-only.rtrace.jsonl');
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', join(pi.dir, 'tasks.yaml'), '--policy', 'lw', '--duration', '250ms', '--trace', 'jobs', '--record', jobsOnly, '--json');
    expect(run.code, run.stderr).toBe(0);
    const check = await rtinfer('trace', 'check', jobsOnly, '--against-plan');
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/no layer events.*--trace jobs,layers/);
    const synthetic = join(pi.dir, 'synthetic.rtrace.jsonl');
    expect((await rtinfer('trace', 'synthesize', '-o', synthetic)).code).toBe(0);
    const noPlan = await rtinfer('trace', 'check', synthetic, '--against-plan');
    expect(noPlan.code).toBe(2);
    expect(noPlan.stderr).toMatch(/carries no TEE plan/);
  }, 60_000);
});

describe('an overloaded set: each miss with the enclave entries that ran instead', () => {
  it('two tasks that cannot meet a 20 µs deadline: the one EDF runs first blocks the other with all its entries', async () => {
    // Released together with equal deadlines, EDF's tie goes to task order: every hog job runs its 8 LW entries
    // first, then the victim's. Neither can end within 20 µs of its release (8 entries into the TA each), so
    // every job misses, whatever the load; who blocked whom is fixed by the rule, not by the clock.
    const tasksFile = join(pi.dir, 'overloaded.yaml');
    writeFileSync(tasksFile, [`model: ${pi.model}`, 'tasks:', '  - { name: hog, task: 0, period: 500ms, deadline: 20us, policy: lw }', '  - { name: victim, task: 1, period: 500ms, deadline: 20us, policy: lw }', ''].join('\n'));
    const recording = join(pi.dir, 'overloaded.rtrace.jsonl');
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', tasksFile, '--duration', '1s', '--trace', 'jobs,layers', '--record', recording, '--check-plan', '--json');
    const check = planCheckOf(run.stdout)!;
    expect(check.result, JSON.stringify(check.result)).toMatchObject({ kind: 'reproduced', entries: 2 * 2 * 8 });
    const summary = jsonLines(run.stdout).at(-1) as { tasks: { task: number; jobs: number; misses: number }[] };
    expect(summary.tasks.map(({ task, jobs, misses }) => [task, jobs, misses])).toEqual([[0, 2, 2], [1, 2, 2]]);
    const byJob = new Map(check.blocking.map((miss) => [`${miss.task}:${miss.job}`, miss.blockedBy]));
    for (const job of [0, 1]) {
      // The hog ran first: nothing blocked it (it missed by its own length).
      expect(byJob.get(`0:${job}`)).toEqual([]);
      // The victim waited for the hog's job of the same release: its 8 entries, each of the hog alone.
      const blockers = byJob.get(`1:${job}`)!;
      expect(blockers).toHaveLength(8);
      for (const entry of blockers) expect(entry.jobs).toEqual([{ task: 0, job }]);
    }
    // The recording says the same, and the text names the entries.
    const text = await rtinfer('trace', 'check', recording, '--against-plan');
    expect(text.stdout).toMatch(/blocked {5}task 1 job 0 \(released .*\) by entry 1 \(task 0 job 0, /);
  }, 60_000);
});

// The built `rtinfer schedule` and `rtinfer experiment` commands, as a user runs them (needs `npx tsc -b protocol host`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from 'rtinfer';
import { describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';

const tasksets = join(repositoryRoot, 'examples', 'tasksets');

describe('rtinfer schedule', () => {
  it('--json gives the plan, both verdicts and per-task response times for every policy', async () => {
    const { code, stdout } = await rtinfer('schedule', join(tasksets, 'alexnet-three-tasks.yaml'), '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.policies.map((policy: { policy: string }) => policy.policy)).toEqual(['lw', 'fusion-greedy', 'fusion-budget', 'no-tee']);
    const lw = report.policies[0];
    expect(lw.plan[0].units).toContain('fc6[0/2]');
    expect(lw.analysis.schedulable).toBe(true);
    expect(lw.simulation).toMatchObject({ schedulable: true, horizonKind: 'hyperperiod' });
    expect(lw.simulation.tasks[0]).toHaveProperty('worstResponseTime');
    expect(report.policies[1].simulation.worldSwitches).toBeLessThan(lw.simulation.worldSwitches);
  });

  it('takes the memory model from the taskset file, says which, and fuses more when less counts', async () => {
    const full = JSON.parse((await rtinfer('schedule', join(tasksets, 'alexnet-three-tasks.yaml'), '--json')).stdout);
    const weights = JSON.parse((await rtinfer('schedule', join(tasksets, 'alexnet-weights-only-memory.yaml'), '--json')).stdout);
    expect(weights.notes).toContainEqual(expect.stringMatching(/enclave memory per layer: weights/));
    const switches = (report: { policies: { policy: string; simulation: { worldSwitches: number } }[] }, policy: string) => report.policies.find((entry) => entry.policy === policy)!.simulation.worldSwitches;
    expect(switches(weights, 'fusion-greedy')).toBeLessThan(switches(weights, 'lw'));
    expect(switches(weights, 'lw') / switches(weights, 'fusion-greedy')).toBeGreaterThan(switches(full, 'lw') / switches(full, 'fusion-greedy'));
  });

  it('names an unknown memory model with its place in the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtinfer-memory-model-'));
    try {
      const file = join(dir, 'm.yaml');
      (await import('node:fs')).writeFileSync(file, 'platform:\n  memory_model: weights+output\ntasks:\n  - { name: a, period: 100ms, dnn: alexnet-squeezed }\n');
      const { code, stderr } = await rtinfer('schedule', file);
      expect(code).toBe(2);
      expect(unwrapped(stderr)).toMatch(/platform.memory_model: unknown memory model "weights\+output"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains a "no": the task, the window, demand against supply, and the first miss', async () => {
    const { code, stdout } = await rtinfer('schedule', join(tasksets, 'fused-entry-blocks-control.yaml'), '--policy', 'fusion');
    expect(code).toBe(0);
    expect(stdout).toMatch(/why: task "control", window \[0, 5\.000 ms\): demand [\d.]+ ms .* > supply 5\.000 ms/);
    expect(stdout).toMatch(/why: task "control" job \d+: activated at/);
  });

  it.each([
    ['bad-utilisation.yaml', 'utilisation_over_one'],
    ['bad-zero-period.yaml', 'invalid_taskset'],
    ['bad-layer-too-large.yaml', 'layer_too_large'],
    ['bad-unknown-field.yaml', 'unknown_field'],
    ['bad-malformed.yaml', 'malformed_yaml'],
  ])('%s: exit 2 with a typed error naming the entry', async (file, code) => {
    const result = await rtinfer('schedule', join(tasksets, file), '--json');
    expect(result.code).toBe(2);
    const error = JSON.parse(result.stdout);
    expect(error.code).toBe(code);
    expect(error.message).toContain(file);
  });
});

describe('rtinfer experiment', () => {
  it('schedulability --json: the paper numbers next to ours, and the output files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rtinfer-exp-'));
    try {
      const { code, stdout } = await rtinfer('experiment', 'schedulability', '--generator', 'paper', '--tasks', '5', '--count', '3', '--out', out, '--json');
      expect(code).toBe(0);
      const report = JSON.parse(stdout);
      expect(report.comparison[0]).toMatchObject({ tasks: 5, utilisation: 0.1, paper: { lw: 100, fusion: 100, noTee: 100 } });
      expect(report.outputs.files).toEqual(expect.arrayContaining(['results.csv', 'results.json', 'acceptance-paper-n5.svg', 'index.html']));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('ardupilot --json: ours keeps the control loop where LW and the greedy lose it', async () => {
    const { code, stdout } = await rtinfer('experiment', 'ardupilot', '--dnn-period', '2s', '--max-slice-time', '250us', '--json');
    expect(code).toBe(0);
    const [row] = JSON.parse(stdout).rows;
    expect(row.outcomes.map((outcome: { simulation: boolean }) => outcome.simulation)).toEqual([false, false, true]);
  });
});

describe('rtinfer schedule sizes', () => {
  it('prints the enclave in the units the file wrote it in (8MiB → 8 MiB, not 8388608 B)', async () => {
    const { code, stdout } = await rtinfer('schedule', join(tasksets, 'alexnet-three-tasks.yaml'), '--policy', 'lw');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^taskset {5}.*alexnet-three-tasks\.yaml: 3 tasks, enclave 8 MiB, world switch 20\.000 ms$/m);
    expect(stdout).not.toMatch(/8388608/);
  });

  it('names a layer too large for the enclave in the same units', async () => {
    const { code, stderr } = await rtinfer('schedule', join(tasksets, 'bad-layer-too-large.yaml'));
    expect(code).toBe(2);
    expect(unwrapped(stderr)).toMatch(/layer "blob" needs 12 MiB of enclave memory, the enclave has 4 MiB/);
  });
});

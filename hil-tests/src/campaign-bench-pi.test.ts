// A campaign on a bench's simulated Pi, through the bench's daemon: the TA key pinned in a lab file by
// `rtinfer provision` (over the bench's broker), named by the target's lab:, the model sealed to it on this host and
// pushed sealed by the daemon, the inference and the LW and FUSION runs done by the daemon (the plan made here),
// the world switches in the forwarded traces.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { campaign, examples, readAllTraces, readJson } from './support/campaign.js';
import { simBenchFixture } from './support/sim-bench-fixture.js';

const sim = simBenchFixture({ prefix: 'campaign-bench-pi', bench: `campaign-pi-${process.pid}`.slice(0, 32) });

describe('a campaign on a bench\'s Pi', () => {
  it('provisioned into a lab file, the model sealed here and pushed by the daemon, LW and FUSION run there', async () => {
    const lab = join(sim.dir, 'lab.yaml');
    const provisioned = await rtinfer('provision', '--device', sim.pi.mqtt, '--lab', lab, '--json');
    expect(provisioned.code, provisioned.stdout + provisioned.stderr).toBe(0);
    const file = join(sim.dir, 'pi.yaml');
    const run = (name: string, mode: string) => [`  - name: ${name}`, '    target: pi', '    model: lenet', `    mode: ${mode}`, `    taskset: ${join(examples, 'tasksets', 'pi-ardupilot.yaml')}`, '    duration: 500ms', '    assert:', '      - output-within: 1e-4'];
    writeFileSync(
      file,
      ['name: bench-pi', 'targets:', `  pi: { bench: ${sim.bench}, device: ${sim.pi.deviceId}, broker: "${sim.broker}", lab: ${lab} }`, 'models:', '  lenet: { source: lenet-5 }', 'runs:', ...run('lw', 'lw'), ...run('fusion', 'fusion'), 'checks:', '  - switch-ratio: { of: lw, over: fusion, at-least: 2 }', ''].join('\n'),
    );
    const out = join(sim.dir, 'out');
    const result = await campaign('run', file, '--out', out);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/run:lw-r1[^\n]*\n[^\n]*model pushed/);
    const summary = readJson<{ runs: { key: string; worldSwitches: number; inference: { relativeL2: number } }[]; checks: { passed: boolean; message: string }[] }>(join(out, 'summary.json'));
    expect(summary.checks[0]!.passed, summary.checks[0]!.message).toBe(true);
    for (const verdict of summary.runs) expect(verdict.worldSwitches).toBeGreaterThan(0);
    for (const trace of readAllTraces(out).values()) expect(trace.deviceId).toBe(sim.pi.deviceId);
  });
});

// A campaign reaching a simulated Pi that holds a later generation than the campaign's lab file knows: the new run
// folder's lab file pins the TA key afresh and knows no generation, so its first sealing (generation 1) is refused
// by the TA as rollback (it holds 3, from a push with --generation 3). The campaign seals again above the held
// generation (campaign/seal-above-held.ts) and the run goes on: the push is the second sealing, at generation 4, and
// the device's output is the host reference's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPiAgent, startPiAgent } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaign, examples, readJson } from './support/campaign.js';
import { rtinfer } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-rollback-'));
let agent: RunningPiAgent;

beforeAll(async () => {
  agent = await startPiAgent({ deviceId: `rollback-${process.pid}`.slice(0, 32), storage: join(dir, 'slots.flash'), teeStorageDir: join(dir, 'tee') });
});
afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One short LW run on the running agent (the campaign reaches it: device:, nothing started). */
function campaignFile(): string {
  const file = join(dir, 'reach.yaml');
  writeFileSync(
    file,
    [
      'name: reach',
      'targets:',
      `  pi: { device: ${agent.pty} }`,
      'models:',
      '  lenet: { source: lenet-5 }',
      'runs:',
      '  - name: lw',
      '    target: pi',
      '    model: lenet',
      '    mode: lw',
      `    taskset: ${join(examples, 'tasksets', 'pi-two-dnn.yaml')}`,
      '    duration: 500ms',
      '    assert:',
      '      - output-within: 1e-4',
      '',
    ].join('\n'),
  );
  return file;
}

describe('a campaign on a Pi that holds a later generation than its lab file knows', () => {
  it('seals again above the held generation and pushes that: the run completes', async () => {
    const file = campaignFile();
    const sealedRecord = (out: string) => readJson<{ generation: number }>(join(out, 'models', `lenet.${agent.deviceId}.sealed.json`));
    const first = join(dir, 'first');
    const one = await campaign('run', file, '--out', first);
    expect(one.code, one.stderr + one.stdout).toBe(0);
    expect(sealedRecord(first).generation).toBe(1);
    // The TA's counter moves to 3 (the TA takes a generation equal to the one it holds, not a lower one).
    const pushed = await rtinfer('push', join(first, 'models', 'lenet.rtm'), '--device', agent.pty, '--lab', join(first, 'lab.yaml'), '--generation', '3');
    expect(pushed.code, pushed.stderr).toBe(0);
    // A new folder: a fresh lab file, which pins the same key at no generation.
    const second = join(dir, 'second');
    const two = await campaign('run', file, '--out', second);
    expect(two.code, two.stderr + two.stdout).toBe(0);
    expect(two.stdout).toMatch(/run:lw-r1[^\n]*\n[^\n]*model pushed; assertions pass/);
    expect(sealedRecord(second).generation).toBe(4);
    const summary = readJson<{ passed: boolean; runs: { status: string; inference: { relativeL2: number } }[] }>(join(second, 'summary.json'));
    expect(summary.passed).toBe(true);
    expect(summary.runs[0]!.inference.relativeL2).toBeLessThan(1e-4);
  }, 120_000);
});

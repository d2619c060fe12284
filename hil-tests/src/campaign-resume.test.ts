// A campaign killed mid-run leaves a resumable folder: SIGKILL (no chance to clean up) and Ctrl-C (SIGINT: exit 130,
// the way to resume printed). `--resume` then finishes without repeating a completed step (each one is skipped,
// its trace untouched), and every trace file in the folder reads back through the recording reader.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { campaign, campaignProcess, events, examples, readAllTraces, readJson, until } from './support/campaign.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REPETITIONS = 4;

/** Four short repetitions of one run on a sim the campaign starts (its device clock on CPU time). */
function campaignFile(name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'targets:',
      '  sim: { start: sim }',
      'models:',
      '  lenet: { source: lenet-5-classic }',
      'runs:',
      '  - name: steady',
      '    target: sim',
      '    model: lenet',
      '    mode: dense',
      `    taskset: ${join(examples, 'tasksets', 'stm32-lenet.yaml')}`,
      '    duration: 300ms',
      `    repetitions: ${REPETITIONS}`,
      '    assert:',
      '      - no-miss: camera',
      '',
    ].join('\n'),
  );
  return file;
}

/** Polls the folder's events until `done` for `step` is there. */
function untilDone(out: string, step: string): Promise<void> {
  return until(`"done" for ${step} in ${out}/events.jsonl`, () => events(out).some((event) => event.event === 'done' && event.step === step));
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function interruptAndResume(name: string, signal: 'SIGKILL' | 'SIGINT') {
  const out = join(dir, name);
  const running = campaignProcess(['run', campaignFile(name), '--out', out]);
  await untilDone(out, 'run:steady-r1');
  running.child.kill(signal);
  const interrupted = await running.finished;
  const state = readJson<{ done: Record<string, unknown> }>(join(out, 'state.json'));
  const doneBefore = Object.keys(state.done).filter((step) => step.startsWith('run:'));
  expect(doneBefore.length).toBeGreaterThanOrEqual(1);
  expect(doneBefore.length).toBeLessThan(REPETITIONS);
  // What was written before the kill is whole: every trace reads back.
  const tracesBefore = readAllTraces(out);
  expect(tracesBefore.size).toBeGreaterThanOrEqual(doneBefore.length);
  const digests = new Map(doneBefore.map((step) => [step, sha(join(out, 'traces', `${step.slice(4)}.rtrace.jsonl`))]));
  const eventsBefore = events(out).length;

  const resumed = await campaign('run', '--resume', out);
  expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
  const after = events(out).slice(eventsBefore);
  for (const step of doneBefore) {
    expect(after.filter((event) => event.step === step).map((event) => event.event), step).toEqual(['skipped']);
    expect(sha(join(out, 'traces', `${step.slice(4)}.rtrace.jsonl`)), step).toBe(digests.get(step));
  }
  const ran = after.filter((event) => event.event === 'done' && event.step?.startsWith('run:')).map((event) => event.step);
  expect([...doneBefore, ...ran].sort()).toEqual(Array.from({ length: REPETITIONS }, (_, index) => `run:steady-r${index + 1}`));
  expect(resumed.stdout).toContain(`skipped, recorded before (resumed)`);
  const traces = readAllTraces(out);
  expect(traces.size).toBe(REPETITIONS);
  for (const trace of traces.values()) expect(trace.records).toBeGreaterThan(2);
  expect(readJson<{ passed: boolean; tests: number }>(join(out, 'summary.json'))).toMatchObject({ passed: true, tests: REPETITIONS });
  return { interrupted, doneBefore };
}

describe('a campaign interrupted mid-run, then --resume', () => {
  it('SIGKILL: no step completed before is repeated, and every trace file reads back', async () => {
    const { interrupted } = await interruptAndResume('killed', 'SIGKILL');
    expect(interrupted.signal).toBe('SIGKILL');
  });

  it('Ctrl-C: exit 130 with the command that resumes it', async () => {
    const { interrupted } = await interruptAndResume('ctrl-c', 'SIGINT');
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stdout).toMatch(/resume {6}rtinfer campaign run --resume .*ctrl-c/);
  });
});

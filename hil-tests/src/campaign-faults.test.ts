// Devices that are absent or go away: a campaign never hangs on them. A device that is not there is retried with
// backoff, then its runs are failed test cases (junit <error>) with the facts; a sim the campaign started that dies
// mid-run is started again on its storage and the step done on the next attempt; a device the campaign did not
// start that goes away mid-run ends as a failed test case, and the campaign goes on to its end.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from 'rtinfer';
import { afterAll, describe, expect, it } from 'vitest';
import { campaign, campaignProcess, events, examples, readAllTraces, readJson, until, validateJunit } from './support/campaign.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function campaignFile(name: string, target: string, duration: string, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'targets:',
      `  board: ${target}`,
      'models:',
      '  lenet: { source: lenet-5-classic }',
      'runs:',
      '  - name: steady',
      '    target: board',
      '    model: lenet',
      '    mode: dense',
      `    taskset: ${join(examples, 'tasksets', 'stm32-lenet.yaml')}`,
      `    duration: ${duration}`,
      '    assert:',
      '      - no-miss: camera',
      'retry: { attempts: 3, initial: 100ms, max: 400ms }',
      extra,
    ].join('\n'),
  );
  return file;
}

/** The pid of the sim this campaign started, by the device id it gave it (`<campaign>-<target>`). */
function simPidNamed(deviceId: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('rtinfer-sim') && argv[argv.indexOf('--name') + 1] === deviceId) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

describe('bad input on the command line: typed errors, exit 2, nothing started', () => {
  it('an unknown key (located), an unknown --target, a folder that is no campaign run', async () => {
    const good = campaignFile('flags', '{ start: sim }', '200ms');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(good, 'utf8').replace('    mode: dense', '    mode: dense\n    colour: blue'));
    const unknownKey = await campaign('run', bad, '--out', join(dir, 'bad-out'), '--json');
    expect(unknownKey.code).toBe(2);
    expect(JSON.parse(unknownKey.stdout)).toMatchObject({ code: 'campaign_file', reason: 'unknown_key', key: 'runs[0].colour', line: 11, column: 5 });
    const target = await campaign('run', good, '--target', 'nope', '--out', join(dir, 'flags-out'));
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('--target nope: no such target');
    const notAFolder = await campaign('run', '--resume', dir, '--json');
    expect(notAFolder.code).toBe(2);
    expect(JSON.parse(notAFolder.stdout)).toMatchObject({ code: 'campaign_folder' });
    const report = await campaign('report', join(dir, 'nowhere'), '--json');
    expect(JSON.parse(report.stdout)).toMatchObject({ code: 'campaign_folder' });
  });
});

describe('--target', () => {
  it('runs only the runs on the targets named: an absent device on another target is never tried', async () => {
    const file = campaignFile('chosen', '{ start: sim }', '200ms');
    const text = readFileSync(file, 'utf8')
      .replace('  board: { start: sim }', '  board: { start: sim }\n  absent: { device: /dev/rtinfer-campaign-absent }')
      .replace('retry:', '  - name: elsewhere\n    target: absent\n    model: lenet\n    mode: dense\n' + `    taskset: ${join(examples, 'tasksets', 'stm32-lenet.yaml')}\n` + '    duration: 200ms\nretry:');
    writeFileSync(file, text);
    const out = join(dir, 'chosen');
    const run = await campaign('run', file, '--target', 'board', '--out', out);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(events(out).some((event) => event.step === 'run:elsewhere-r1')).toBe(false);
    expect(readJson<{ passed: boolean; runs: { key: string }[] }>(join(out, 'summary.json'))).toMatchObject({ passed: true, runs: [{ key: 'steady-r1' }] });
    // The report rebuilt later covers the same targets.
    expect((await campaign('report', out)).code).toBe(0);
  });
});

describe('a mode the device does not say it can run', () => {
  it('int8 on the simulated Pi (its HELLO caps have no int8 bit): a failed test case naming the caps, not retried', async () => {
    const out = join(dir, 'int8');
    const file = campaignFile('int8', '{ start: optee-sim }', '200ms');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    mode: dense', '    mode: int8').replace('  lenet: { source: lenet-5-classic }', '  lenet: { source: lenet-5-classic, compression: { int8: true } }'));
    const run = await campaign('run', file, '--out', out);
    expect(run.code, run.stderr).toBe(1);
    const summary = readJson<{ runs: { failure: { code: string; message: string; attempts: number; facts: { caps: number } } }[] }>(join(out, 'summary.json'));
    expect(summary.runs[0]!.failure).toMatchObject({ code: 'mode_unsupported', attempts: 1 });
    expect(summary.runs[0]!.failure.message).toMatch(/does not say it can run int8 \(HELLO caps 0x[0-9a-f]+\)/);
    expect(summary.runs[0]!.failure.facts.caps & (1 << 6)).toBe(0);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<error type="mode_unsupported"');
  });
});

describe('absent and vanishing devices', () => {
  it('an absent device: retried with growing backoff, then a junit error with the facts; exit 1', async () => {
    const out = join(dir, 'absent');
    const run = await campaign('run', campaignFile('absent', '{ device: /dev/rtinfer-campaign-absent }', '200ms'), '--out', out);
    expect(run.code, run.stderr).toBe(1);
    const retries = events(out).filter((event) => event.event === 'retry');
    expect(retries.map((event) => event.attempt)).toEqual([1, 2]);
    expect(run.stdout).toMatch(/FAILED after 3 attempt\(s\): \w+: .*rtinfer-campaign-absent/);
    const validation = await validateJunit(join(out, 'junit.xml'));
    expect(validation.errors).toEqual([]);
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite name="absent.steady" tests="1" failures="0" errors="1"/);
    expect(xml).toMatch(/<error type="\w+" message="steady-r1: [^"]*rtinfer-campaign-absent[^"]*">/);
    expect(readJson<{ failedRuns: number; runs: { failure: { attempts: number; facts: { target: string } } }[] }>(join(out, 'summary.json'))).toMatchObject({ failedRuns: 1, runs: [{ failure: { attempts: 3, facts: { target: 'board' } } }] });
  });

  it('a sim the campaign started dies mid-run: started again on its storage, the step done on the next attempt', async () => {
    const out = join(dir, 'restarted');
    const running = campaignProcess(['run', campaignFile('restarted', '{ start: sim }', '1500ms'), '--out', out]);
    await until('the run step started', () => events(out).some((event) => event.event === 'started' && event.step === 'run:steady-r1'));
    let pid: number | undefined;
    await until('the campaign\'s sim', () => (pid = simPidNamed('restarted-board')) !== undefined);
    // Into its run: the first repetition's push and inference take well under this on the sim.
    await new Promise((resolve) => setTimeout(resolve, 700));
    process.kill(pid!, 'SIGKILL');
    const finished = await running.finished;
    expect(finished.code, finished.stderr + finished.stdout).toBe(0);
    const log = events(out).filter((event) => event.step === 'run:steady-r1');
    expect(log.map((event) => event.event)).toEqual(['started', 'retry', 'started', 'done']);
    expect(readJson<{ done: Record<string, { attempts: number }> }>(join(out, 'state.json')).done['run:steady-r1']!.attempts).toBe(2);
    expect(readAllTraces(out).size).toBe(1);
    expect(simPidNamed('restarted-board')).toBeUndefined();
  });

  it('a device the campaign did not start goes away mid-run: a failed test case with the facts, no hang', async () => {
    // Named by a link of its own: once the sim is gone, its pty number may go to someone else's device.
    const link = join(dir, 'vanishing-sim');
    const sim = await startSim({ clock: 'cpu', link });
    const out = join(dir, 'vanished');
    const running = campaignProcess(['run', campaignFile('vanished', `{ device: ${link} }`, '2s'), '--out', out]);
    try {
      await until('the run step started', () => events(out).some((event) => event.event === 'started' && event.step === 'run:steady-r1'));
      await new Promise((resolve) => setTimeout(resolve, 700));
    } finally {
      await sim.stop();
    }
    const finished = await running.finished;
    expect(finished.code, finished.stderr + finished.stdout).toBe(1);
    const summary = readJson<{ runs: { status: string; failure: { code: string; message: string; attempts: number } }[] }>(join(out, 'summary.json'));
    expect(summary.runs[0]).toMatchObject({ status: 'failed', failure: { attempts: 3 } });
    expect(summary.runs[0]!.failure.message).toContain(link);
    expect((await validateJunit(join(out, 'junit.xml'))).valid).toBe(true);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<error type="\w+" message="steady-r1: /);
  });
});

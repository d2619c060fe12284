// The assertions against a recording with known ground truth (a synthetic periodic trace: which jobs miss, every
// response time, every enclave entry), written and read back as the campaign does; the cross-run ratio; junit.xml's
// counts and escaping.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { percentile } from '../device/clock-estimate.js';
import { formatHeader, formatRecord } from '../trace/recorded/format.js';
import { referenceTaskset, synthesizePeriodicTrace } from '../trace/synthetic/periodic-trace.js';
import { checkAssertion, checkSwitchRatio, hyperperiodUs } from './assertions.js';
import { checkRecordingFile, type RepetitionVerdict } from './check-recording.js';
import { junitXml } from './junit.js';

const DURATION_US = 400_000;
const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: DURATION_US });
const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-assertions-'));
const file = join(dir, 'synthetic.rtrace.jsonl');
writeFileSync(file, formatHeader(trace.header) + trace.messages.map(formatRecord).join(''));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const names = ['control', 'fusion', 'detector'];

describe('run assertions on a recording with known ground truth', () => {
  it('no-miss: passes for the tasks that met every deadline, fails with the count for the one that did not', async () => {
    const { summary, spec } = await checkRecordingFile(file);
    for (const [task, name] of names.entries()) {
      const expectedMisses = trace.expected.misses.filter((miss) => miss.task === task).length;
      const outcome = checkAssertion({ kind: 'no-miss', task: name, text: `no miss for ${name}` }, summary, spec, DURATION_US, undefined);
      expect(outcome.passed, name).toBe(expectedMisses === 0);
      expect(outcome.facts).toMatchObject({ misses: expectedMisses, jobs: trace.jobs.filter((job) => job.task === task).length });
    }
    // The detector overruns every fourth job by construction: the ground truth has misses to find.
    expect(trace.expected.misses.length).toBeGreaterThan(0);
  });

  it('p99-response: the trace\'s p99 is the ground truth\'s, and the bound is strict', async () => {
    const { summary, spec } = await checkRecordingFile(file);
    const responses = trace.jobs.filter((job) => job.task === 2).map((job) => job.endUs - job.releaseUs).sort((a, b) => a - b);
    const p99 = percentile(responses, 0.99);
    const check = (belowUs: number) => checkAssertion({ kind: 'p99-response', task: 'detector', belowUs, text: '' }, summary, spec, DURATION_US, undefined);
    expect(check(p99 + 1)).toMatchObject({ passed: true, facts: { p99Us: expect.closeTo(p99, 0) } });
    expect(check(p99).passed).toBe(false);
    expect(check(p99).message).toMatch(/NOT below/);
  });

  it('world switches per hyperperiod: the trace\'s enters and exits over the run\'s hyperperiods', async () => {
    const { summary, spec } = await checkRecordingFile(file);
    const enters = trace.messages.flatMap((m) => (m.message.type === 'TRACE' ? m.message.body.events : [])).filter((event) => event[0] === 8).length;
    expect(hyperperiodUs(spec)).toBe(100_000);
    const outcome = checkAssertion({ kind: 'world-switches-per-hyperperiod', atMost: 1e9, text: '' }, summary, spec, DURATION_US, undefined);
    expect(outcome.facts.switches).toBe(2 * enters);
    expect(outcome.facts.perHyperperiod).toBe((2 * enters * 100_000) / DURATION_US);
    expect(checkAssertion({ kind: 'world-switches-per-hyperperiod', atMost: Number(outcome.facts.perHyperperiod) - 1, text: '' }, summary, spec, DURATION_US, undefined).passed).toBe(false);
  });

  it('output-within: relative L2 and the top class, and a failure when no inference was checked', async () => {
    const { summary, spec } = await checkRecordingFile(file);
    const assertion = { kind: 'output-within' as const, relativeL2: 1e-4, text: '' };
    expect(checkAssertion(assertion, summary, spec, DURATION_US, { mode: 'dense', relativeL2: 5e-5, topAgrees: true, reference: 'dense' }).passed).toBe(true);
    expect(checkAssertion(assertion, summary, spec, DURATION_US, { mode: 'dense', relativeL2: 5e-5, topAgrees: false, reference: 'dense' }).passed).toBe(false);
    expect(checkAssertion(assertion, summary, spec, DURATION_US, { mode: 'dense', relativeL2: 2e-4, topAgrees: true, reference: 'dense' }).passed).toBe(false);
    expect(checkAssertion(assertion, summary, spec, DURATION_US, undefined).passed).toBe(false);
  });
});

describe('the cross-run switch ratio', () => {
  const check = { kind: 'switch-ratio' as const, of: 'lw', over: 'fusion', atLeast: 2, text: 'ratio' };
  it('means per repetition, the bound inclusive, and runs with nothing to compare fail with the facts', () => {
    expect(checkSwitchRatio(check, [128, 132], [16, 16])).toMatchObject({ passed: true, facts: { ratio: 8.125 } });
    expect(checkSwitchRatio(check, [32], [16]).passed).toBe(true);
    expect(checkSwitchRatio(check, [31], [16]).passed).toBe(false);
    expect(checkSwitchRatio(check, [10], [0])).toMatchObject({ passed: true, facts: { ratio: null } });
    expect(checkSwitchRatio(check, [], [16])).toMatchObject({ passed: false, facts: { ofRepetitions: 0 } });
  });
});

describe('junit.xml', () => {
  const verdict = (key: string, passed: boolean, failure?: RepetitionVerdict['failure']): RepetitionVerdict => ({
    run: 'r',
    repetition: 1,
    key,
    target: 't',
    mode: 'dense',
    status: failure ? 'failed' : 'checked',
    ...(failure ? { failure } : {}),
    durationUs: 500_000,
    assertions: [{ assertion: 'p99 response of "a<b" & c below 1ms', kind: 'p99-response', passed, message: passed ? 'ok' : 'p99 2 ms > 1 ms & "late"', facts: { p99Us: 2000 } }],
    passed,
  });
  it('a test case per assertion per repetition: failures and errors counted, text escaped', () => {
    const xml = junitXml('c', [verdict('r-r1', true), verdict('r-r2', false), verdict('r-r3', false, { code: 'link_closed', message: 'link to /dev/pts/9 closed', facts: {}, attempts: 3 })], [], '2026-12-03T16:00:00');
    expect(xml).toMatch(/<testsuite name="c.r" tests="3" failures="1" errors="1"/);
    expect(xml).toContain('name="r-r2: p99 response of &quot;a&lt;b&quot; &amp; c below 1ms"');
    expect(xml).toContain('<failure type="p99-response" message="p99 2 ms &gt; 1 ms &amp; &quot;late&quot;">p99Us=2000</failure>');
    expect(xml).toContain('<error type="link_closed" message="r-r3: link to /dev/pts/9 closed">');
  });
});

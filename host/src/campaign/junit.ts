// junit.xml as CI systems read it (Jenkins' JUnit schema): a testsuite per run, a testcase per assertion per
// repetition (and per cross-run check), a failure with the facts when an assertion failed, an error when the run
// never completed (the device absent or gone, the step over its bound).
import type { AssertionOutcome } from './assertions.js';
import type { RepetitionVerdict } from './check-recording.js';

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

const factsText = (facts: Record<string, unknown>) => Object.entries(facts).map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`).join(', ');

interface Case {
  name: string;
  classname: string;
  outcome: AssertionOutcome;
  error?: { type: string; message: string };
}

function testcase({ name, classname, outcome, error }: Case): string {
  const attributes = `name="${xml(name)}" classname="${xml(classname)}" time="0"`;
  if (error) return `    <testcase ${attributes}>\n      <error type="${xml(error.type)}" message="${xml(error.message)}">${xml(factsText(outcome.facts))}</error>\n    </testcase>`;
  if (outcome.passed) return `    <testcase ${attributes}/>`;
  return `    <testcase ${attributes}>\n      <failure type="${xml(outcome.kind)}" message="${xml(outcome.message)}">${xml(factsText(outcome.facts))}</failure>\n    </testcase>`;
}

function suite(name: string, cases: Case[], timestamp: string, seconds: number): string {
  const failures = cases.filter((c) => !c.error && !c.outcome.passed).length;
  const errors = cases.filter((c) => c.error).length;
  return `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds.toFixed(3)}" timestamp="${timestamp}">\n${cases.map(testcase).join('\n')}\n  </testsuite>`;
}

export function junitXml(campaign: string, verdicts: RepetitionVerdict[], checks: AssertionOutcome[], timestamp: string): string {
  const byRun = new Map<string, RepetitionVerdict[]>();
  for (const verdict of verdicts) byRun.set(verdict.run, [...(byRun.get(verdict.run) ?? []), verdict]);
  const suites = [...byRun].map(([run, repetitions]) => {
    const cases = repetitions.flatMap((verdict): Case[] => {
      const classname = `${campaign}.${run}`;
      const error = verdict.failure ? { type: verdict.failure.code, message: `${verdict.key}: ${verdict.failure.message}` } : undefined;
      const outcomes = verdict.assertions.length ? verdict.assertions : [{ assertion: 'run completed', kind: 'run', passed: verdict.status === 'checked', message: verdict.failure?.message ?? 'recorded and checked', facts: {} }];
      return outcomes.map((outcome) => ({ name: `${verdict.key}: ${outcome.assertion}`, classname, outcome, ...(error ? { error } : {}) }));
    });
    return suite(`${campaign}.${run}`, cases, timestamp, repetitions.reduce((sum, verdict) => sum + verdict.durationUs / 1e6, 0));
  });
  if (checks.length) suites.push(suite(`${campaign}.checks`, checks.map((outcome) => ({ name: outcome.assertion, classname: `${campaign}.checks`, outcome })), timestamp, 0));
  const all = verdicts.flatMap((verdict) => verdict.assertions.length || 1).reduce((a, b) => a + b, 0) + checks.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(campaign)}" tests="${all}">\n${suites.join('\n')}\n</testsuites>\n`;
}

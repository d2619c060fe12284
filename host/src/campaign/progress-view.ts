// The campaign's progress, one line per event: what step of how many runs, what it did, retries and failures.
import type { ProgressEvent } from './runner.js';
import type { CampaignSummary } from './report.js';

const counter = (index: number, total: number) => `[${String(index).padStart(String(total).length)}/${total}]`;

export function describeProgress(event: ProgressEvent): string {
  switch (event.kind) {
    case 'step':
      return `${counter(event.index, event.total)} ${event.step}: ${event.what}`;
    case 'skipped':
      return `${counter(event.index, event.total)} ${event.step}: skipped, ${event.why}`;
    case 'done': {
      const facts = event.facts;
      const detail = 'jobs' in facts ? `${facts.jobs} jobs, ${facts.misses} misses, ${facts.worldSwitches} world switches, rel. L2 ${Number(facts.relativeL2).toExponential(1)}${facts.pushed ? ', model pushed' : ''}; assertions ${facts.passed ? 'pass' : 'FAIL'}` : `${facts.bytes} bytes`;
      return `        done in ${event.seconds.toFixed(1)} s: ${detail}`;
    }
    case 'retry':
      return `        ${event.code}: ${event.message}; attempt ${event.attempt + 1} in ${event.delayMs} ms`;
    case 'failed':
      return `        FAILED after ${event.failure.attempts} attempt(s): ${event.failure.code}: ${event.failure.message}`;
    case 'interrupted':
      return `interrupted${event.step ? ` during ${event.step}` : ''}: the steps done are kept`;
  }
}

export function describeSummary(summary: CampaignSummary, dir: string): string[] {
  const lines = [`campaign ${summary.campaign}: ${summary.passed ? 'PASSED' : 'FAILED'}, ${summary.tests - summary.failures} of ${summary.tests} test cases pass`];
  for (const verdict of summary.runs) {
    if (verdict.failure) lines.push(`  ${verdict.key}: did not complete: ${verdict.failure.code}: ${verdict.failure.message}`);
    for (const outcome of verdict.assertions) if (!outcome.passed && !verdict.failure) lines.push(`  ${verdict.key}: FAILED ${outcome.assertion}: ${outcome.message}`);
  }
  for (const outcome of summary.checks) if (!outcome.passed) lines.push(`  FAILED ${outcome.assertion}: ${outcome.message}`);
  lines.push(`run folder  ${dir}: report.html, junit.xml, summary.json, traces/`);
  return lines;
}

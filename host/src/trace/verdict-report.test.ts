import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { collectVerdicts, deadlineCheck$ } from './deadline-check.js';
import { referenceTaskset, synthesizePeriodicTrace } from './synthetic/periodic-trace.js';
import { describeVerdicts, summaryCounts } from './verdict-report.js';

describe('the verdict report', () => {
  it('lists every miss, and for one reported overdue at its deadline also how late it finally ended', async () => {
    const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 400_000 });
    const summary = await collectVerdicts(deadlineCheck$(from(trace.messages), trace.header.taskset));
    const lines = describeVerdicts(summary, trace.header.taskset);
    expect(summaryCounts(summary).misses).toBe(trace.expected.misses.length);
    const missLines = lines.filter((line) => /released at .* deadline/.test(line));
    expect(missLines).toHaveLength(trace.expected.misses.length);
    const overdue = summary.misses.filter((miss) => miss.overdue);
    expect(overdue.length).toBeGreaterThan(0);
    for (const line of missLines.filter((text) => text.includes('still running'))) expect(line).toMatch(/; it ended [\d.]+ (ms|µs) late$/);
  });
});

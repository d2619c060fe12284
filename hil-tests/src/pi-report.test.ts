// The HTML trace report of a FUSION run on the simulated Pi (issue 13 §3): `rtinfer run --record` on the agent,
// then `rtinfer trace export --format html`. The timeline has the secure-world lane and a lane per task, and its
// close-up shows the first fused entry in the lanes of both DNN tasks, joined, with its world enter and exit. The
// task set is pi-dispatch's: the greedy fuses camera and lidar at each common release whatever the machine's load
// (generous periods), so the assertions do not depend on timing; misses are not asserted.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtinfer } from './support/cli.js';
import { piFixture } from './support/pi-fixture.js';
import { piTargetKind } from './support/pi-target.js';

/** The drawn marks of one named layer of a timeline figure's SVG. */
function marks(figure: string, layer: string): string[] {
  const start = figure.indexOf(`role-mark ${layer}_marks"`);
  if (start < 0) return [];
  return figure.slice(start, figure.indexOf('</g>', start)).match(/<(path|line)[^>]*>/g) ?? [];
}

function figure(html: string, id: string): string {
  const start = html.indexOf(`<figure id="${id}">`);
  expect(start, `figure ${id} in the report`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</figure>', start));
}

const pi = piFixture({ prefix: 'pi-report', push: true });

describe(`the HTML report of a FUSION run (${piTargetKind()})`, () => {
  it('draws a lane per task, the fused entries across camera\'s and lidar\'s lanes, and the world switches', async () => {
    const tasks = join(pi.dir, 'tasks.yaml');
    writeFileSync(
      tasks,
      [
        `model: ${pi.model}`,
        'platform: { enclave_capacity: 2.5MiB }',
        'tasks:',
        '  - { name: camera, task: 0, period: 500ms, deadline: 500ms, policy: lw }',
        '  - { name: lidar, task: 1, period: 500ms, deadline: 500ms, policy: lw }',
        '  - { name: control, task: 2, period: 250ms, deadline: 50ms, policy: normal, work: 1ms }',
        '',
      ].join('\n'),
    );
    const recording = join(pi.dir, 'fusion.rtrace.jsonl');
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', tasks, '--policy', 'fusion', '--duration', '1s', '--trace', 'jobs,layers', '--record', recording);
    expect(run.code, run.stderr).toBe(0);
    const report = join(pi.dir, 'report.html');
    const exported = await rtinfer('trace', 'export', recording, '--format', 'html', '-o', report);
    expect(exported.code, exported.stderr).toBe(0);
    const html = readFileSync(report, 'utf8');

    const overview = figure(html, 'timeline');
    const lanes = [...overview.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
    expect(lanes).toEqual(expect.arrayContaining(['secure world', 'camera', 'lidar', 'control']));
    // Each entry drawn has its world enter and exit.
    const entries = marks(overview, 'world_switches').length / 2;
    expect(entries).toBeGreaterThan(0);
    expect(Number.isInteger(entries)).toBe(true);

    // The close-up is on the first fused entry: drawn in the secure lane and in both DNN lanes, joined once.
    const detail = figure(html, 'timeline-detail');
    expect(detail).toMatch(/Close-up: the jobs of the first fused entry, #\d+ \(camera#\d+ \+ lidar#\d+\)/);
    expect(marks(detail, 'fused_links').length).toBeGreaterThanOrEqual(1);
    expect(marks(detail, 'entries').filter((mark) => mark.includes('fill="#b279a2"')).length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('<h2>Deadline misses and what ran instead</h2>');
  }, 120_000);
});

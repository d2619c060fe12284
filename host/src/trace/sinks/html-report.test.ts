// Renders the report of a synthetic run and opens it in headless Chromium.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { collectVerdicts, deadlineCheck$ } from '../deadline-check.js';
import { referenceTaskset, synthesizePeriodicTrace } from '../synthetic/periodic-trace.js';
import { entriesOfMessages } from './enclave-entries.js';
import { renderHtmlReport } from './html-report.js';

const CHROMIUM = '/usr/bin/chromium';

describe('renderHtmlReport', () => {
  it('renders the summary, the timeline with its close-up and the two charts as SVG, which Chromium displays', { timeout: 60_000 }, async () => {
    const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 500_000 });
    const summary = await collectVerdicts(deadlineCheck$(from(trace.messages), trace.header.taskset));
    // The reference set's fusion task runs its layer slices in enclave entries.
    const { entries } = await entriesOfMessages(from(trace.messages));
    expect(entries.length).toBeGreaterThan(0);
    const html = await renderHtmlReport(summary, { spec: trace.header.taskset, title: 'synthetic run', entries });
    expect(html).toContain(`<strong>${summary.misses.length}</strong> deadline misses`);
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).toContain('<tr class="miss"><td>detector</td>');

    // The page must really display: run it in a browser, not just grep the markup.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.setContent(html);
      const figures = await page.$$eval('figure svg', (svgs) => svgs.map((svg) => ({ width: svg.getBoundingClientRect().width, marks: svg.querySelectorAll('path').length })));
      expect(figures).toHaveLength(4);
      for (const figure of figures) {
        expect(figure.width).toBeGreaterThan(300);
        expect(figure.marks).toBeGreaterThan(10);
      }
      // The scatter draws each miss as a red cross (the legend's one aside).
      const red = await page.$$eval('#scatter svg path[fill="#e45756"]', (marks) => marks.filter((mark) => !mark.closest('.role-legend')).length);
      expect(summary.misses.length).toBeGreaterThan(0);
      expect(red).toBe(summary.misses.length);
      // The timeline has a lane per task, labelled, under the secure world's; the miss list a row per miss.
      const lanes = await page.$$eval('#timeline svg .role-axis-label text', (texts) => texts.map((text) => text.textContent));
      expect(lanes).toEqual(expect.arrayContaining(['secure world', ...trace.header.taskset.tasks.map((task) => task.name)]));
      expect(await page.$$eval('#miss-list tbody tr', (rows) => rows.length)).toBe(Math.min(summary.misses.length, 200));
      const png = await page.screenshot({ fullPage: true });
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // A blank page compresses to a few KB; charts, text and a table do not.
      expect(png.length).toBeGreaterThan(30_000);
    } finally {
      await browser.close();
    }
  });
});

// The campaign's outputs, from the run folder alone: every repetition's verdict (its recording checked again),
// the cross-run checks, junit.xml, summary.json and the single-file HTML report. `rtinfer campaign run` ends with
// this; `rtinfer campaign report DIR` runs only this, without devices.
import { hostname } from 'node:os';
import { checkSwitchRatio, type AssertionOutcome } from './assertions.js';
import type { Campaign } from './campaign-spec.js';
import { checkRepetition, type RepetitionVerdict } from './check-recording.js';
import { campaignHtml } from './report-html.js';
import { junitXml } from './junit.js';
import { type RunFolder, runKey, writeWhole } from './run-folder.js';

export interface CampaignSummary {
  format: 'rtinfer-campaign-summary/1';
  campaign: string;
  file: string;
  passed: boolean;
  /** Test cases: one per assertion per repetition, and per cross-run check. */
  tests: number;
  failures: number;
  /** Repetitions that never completed (their assertions are errors in junit.xml). */
  failedRuns: number;
  unfinished: string[];
  runs: RepetitionVerdict[];
  checks: AssertionOutcome[];
  hostname: string;
}

/** The campaign as far as `--target` chose it: the runs on those targets, the checks between them. */
export function onTargets(campaign: Campaign, targets: readonly string[] | undefined): Campaign {
  if (!targets) return campaign;
  const runs = campaign.runs.filter((run) => targets.includes(run.target));
  const names = new Set(runs.map((run) => run.name));
  return { ...campaign, runs, checks: campaign.checks.filter((check) => names.has(check.of) && names.has(check.over)) };
}

export async function buildCampaignReport(folder: RunFolder, campaign: Campaign): Promise<CampaignSummary> {
  const runs: RepetitionVerdict[] = [];
  for (const run of campaign.runs) {
    for (let repetition = 1; repetition <= run.repetitions; repetition++) {
      const key = runKey(run.name, repetition);
      const kept = folder.readJson<RepetitionVerdict>(folder.json('verdicts', key));
      const verdict = await checkRepetition(folder, run, repetition, kept?.status === 'failed' ? kept.failure : undefined);
      folder.writeJson(folder.json('verdicts', key), verdict);
      runs.push(verdict);
    }
  }
  const switchesOf = (name: string) => runs.filter((verdict) => verdict.run === name && verdict.status === 'checked').map((verdict) => verdict.worldSwitches ?? 0);
  const checks = campaign.checks.map((check) => checkSwitchRatio(check, switchesOf(check.of), switchesOf(check.over)));
  const outcomes = [...runs.flatMap((verdict) => verdict.assertions), ...checks];
  const summary: CampaignSummary = {
    format: 'rtinfer-campaign-summary/1',
    campaign: campaign.name,
    file: campaign.file,
    passed: runs.every((verdict) => verdict.passed) && checks.every((check) => check.passed),
    tests: outcomes.length,
    failures: outcomes.filter((outcome) => !outcome.passed).length,
    failedRuns: runs.filter((verdict) => verdict.status === 'failed').length,
    unfinished: runs.filter((verdict) => verdict.failure?.code === 'not_run').map((verdict) => verdict.key),
    runs,
    checks,
    hostname: hostname() || 'localhost',
  };
  const timestamp = new Date().toISOString().slice(0, 19);
  folder.writeJson(folder.path('summary.json'), summary);
  writeWhole(folder.path('junit.xml'), junitXml(campaign.name, runs, checks, timestamp));
  writeWhole(folder.path('report.html'), await campaignHtml(folder, campaign, summary));
  return summary;
}

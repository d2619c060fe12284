import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Args } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { parseCampaign } from '../../campaign/parse-campaign.js';
import { describeSummary } from '../../campaign/progress-view.js';
import { buildCampaignReport, onTargets } from '../../campaign/report.js';
import { RunFolder } from '../../campaign/run-folder.js';

export default class CampaignReport extends RtinferCommand {
  static override summary = 'Rebuild a campaign run folder\'s report.html, junit.xml and summary.json from its recorded traces, without devices.';
  static override description = 'Every recording in DIR/traces goes through the deadline check again and every assertion of the campaign file (the copy in DIR) is checked again. Exit status: 0 when every assertion holds, 1 otherwise.';
  static override examples = [{ command: '<%= config.bin %> campaign report runs/trec', description: 'Rebuild the report of a finished run.' }];
  static override args = { dir: Args.string({ description: 'A campaign run folder.', required: true }) };

  async run() {
    const { args } = await this.parse(CampaignReport);
    const { folder, state } = RunFolder.open(resolve(args.dir));
    // The copy of the campaign kept in the folder, read as if it sat where it ran (its task sets resolve there).
    const campaign = parseCampaign(readFileSync(folder.path('campaign.yaml'), 'utf8'), state.campaignFile);
    const summary = await buildCampaignReport(folder, onTargets(campaign, state.targets));
    process.exitCode = summary.passed ? 0 : 1;
    if (!this.jsonEnabled()) for (const line of describeSummary(summary, folder.dir)) this.log(line);
    return { folder: folder.dir, passed: summary.passed, tests: summary.tests, failures: summary.failures };
  }
}

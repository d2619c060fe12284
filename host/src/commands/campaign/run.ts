import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { RunFolderError } from '../../campaign/campaign-error.js';
import { readCampaign } from '../../campaign/parse-campaign.js';
import { describeSummary, ProgressView } from '../../campaign/progress-view.js';
import { RunFolder, sha256Hex } from '../../campaign/run-folder.js';
import { runCampaign } from '../../campaign/runner.js';
import { RtinferError } from '../../errors.js';
import { toJsonSafe } from '../../trace/sinks/json-safe.js';

/** What Ctrl-C leaves: the shell's convention for a process ended by SIGINT. */
const INTERRUPTED = 130;

export default class CampaignRun extends RtinferCommand {
  static override summary = 'Run a campaign file: start or reach the targets, compress and push the models, run the task sets, check the assertions.';
  static override description = `The campaign file (YAML; examples/campaigns/) names targets (start: sim, qemu, qemu-m7, optee-sim or optee-qemu; device: a running one; or bench: a bench's device, through its daemon), models with their compression settings (int8: true quantizes), runs (a model in a mode — dense, trec, int8, lw, fusion, fusion-budget — on a target or a list of them, with a device task set file, a duration and repetitions) and their assertions (no-miss, p99-response, world-switches-per-hyperperiod, output-within; switch-ratio across runs). Errors in the file name its line and column.

Steps run in order with a progress line each (on a terminal the running step is one line redrawn in place). A step whose device drops out is retried with backoff (a target the campaign started is started again on the same storage); every step has a bound. The run folder (--out) keeps the environment, every trace (the recording format of rtinfer run --record), every verdict, the analysis each run was checked against, report.html, junit.xml (a test case per assertion per repetition) and summary.json. Ctrl-C (or a kill) leaves it resumable: --resume DIR does only the steps not yet done.

Exit status: 0 when every assertion holds, 1 when one fails or a run did not complete, 2 on bad input, 130 when interrupted.`;
  static override examples = [
    { command: '<%= config.bin %> campaign run examples/campaigns/trec-comparison.yaml --out runs/trec', description: 'Dense, TREC and int8 on the STM32 sim and both QEMU boards.' },
    { command: '<%= config.bin %> campaign run examples/campaigns/trec-comparison.yaml --target np2 --out runs/np2', description: 'The same on the netduinoplus2 image under QEMU only.' },
    { command: '<%= config.bin %> campaign run --resume runs/trec', description: 'Finish an interrupted campaign.' },
  ];
  static override args = { file: Args.string({ description: 'Campaign file (YAML); with --resume, default: the one the folder ran.' }) };
  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Run folder to create (default: campaign-<name>-<time> here).' }),
    resume: Flags.string({ summary: 'Resume the campaign in this run folder.', exclusive: ['out'] }),
    target: Flags.string({ summary: 'Only the runs on these targets (comma-separated target names).' }),
  };

  async run() {
    const { args, flags } = await this.parse(CampaignRun);
    let folder: RunFolder;
    let file: string;
    let state;
    if (flags.resume) {
      ({ folder, state } = RunFolder.open(resolve(flags.resume)));
      file = args.file ? resolve(args.file) : state.campaignFile;
      if (!existsSync(file)) throw new RunFolderError(flags.resume, `the campaign file it ran, ${file}, is gone; pass it again`, { file });
      const digest = sha256Hex(readFileSync(file, 'utf8'));
      if (digest !== state.campaignSha256) throw new RunFolderError(flags.resume, `${file} changed since this folder's run began (SHA-256 ${digest.slice(0, 12)}…, the run's ${state.campaignSha256.slice(0, 12)}…): start a new run`, { file });
    } else {
      if (!args.file) throw new RtinferError('bad_flag', 'give a campaign file, or --resume DIR', { flag: 'file' });
      file = resolve(args.file);
    }
    const campaign = readCampaign(file);
    // A resumed run keeps the targets it began with, unless --target says otherwise.
    const targets = flags.target?.split(',').map((name) => name.trim()) ?? state?.targets;
    for (const name of targets ?? []) {
      if (!campaign.targets.has(name)) throw new RtinferError('bad_flag', `--target ${name}: no such target in ${file} (targets: ${[...campaign.targets.keys()].join(', ')})`, { flag: 'target', target: name });
    }
    if (!flags.resume) {
      const dir = resolve(flags.out ?? `campaign-${campaign.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      folder = RunFolder.create(dir, file, readFileSync(file, 'utf8'));
      state = RunFolder.open(dir).state;
      if (targets) folder.saveState({ ...state, targets });
      state = RunFolder.open(dir).state;
    }
    const json = this.jsonEnabled();
    // On a terminal the running step is redrawn in place; piped, or a log, one line per event.
    const view = new ProgressView((text) => process.stdout.write(text), { tty: !json && process.stdout.isTTY === true });
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const { summary, interrupted } = await runCampaign({
        campaign,
        folder: folder!,
        state: state!,
        signal: controller.signal,
        ...(targets ? { targets } : {}),
        progress: (event) => {
          const { kind, ...rest } = event;
          if (json) this.jsonLine(toJsonSafe({ kind: 'progress', event: kind, ...rest }));
          else view.event(event);
        },
      });
      view.close();
      if (json) this.jsonLine({ kind: 'summary', folder: folder!.dir, interrupted, passed: summary.passed, tests: summary.tests, failures: summary.failures, failed: [...summary.runs.flatMap((run) => run.assertions.filter((a) => !a.passed).map((a) => ({ run: run.key, assertion: a.assertion, message: a.message }))), ...summary.checks.filter((c) => !c.passed).map((c) => ({ assertion: c.assertion, message: c.message }))] });
      else {
        for (const line of describeSummary(summary, folder!.dir)) this.log(line);
        if (interrupted) this.log(`resume      rtinfer campaign run --resume ${folder!.dir}`);
      }
      process.exitCode = interrupted ? INTERRUPTED : summary.passed ? 0 : 1;
      return undefined;
    } finally {
      view.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

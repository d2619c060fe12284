import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { tap } from 'rxjs';
import { RtinferCommand } from '../../cli/base-command.js';
import { collectVerdicts, deadlineCheck$ } from '../../trace/deadline-check.js';
import { openRecording } from '../../trace/recorded/open-recording.js';
import { replay } from '../../trace/recorded/replay.js';
import { jobsToCsv, verdictsToCsv } from '../../trace/sinks/csv.js';
import { entriesOfMessages } from '../../trace/sinks/enclave-entries.js';
import { renderHtmlReport } from '../../trace/sinks/html-report.js';
import { verdictsToJsonl } from '../../trace/sinks/jsonl.js';
import { toPerfetto } from '../../trace/sinks/perfetto.js';
import type { Verdict } from '../../trace/verdicts.js';

const formats = ['perfetto', 'jsonl', 'csv', 'html'] as const;

export default class TraceExport extends RtinferCommand {
  static override summary = 'Export a recorded trace: Perfetto/Chrome trace, JSONL, CSV or an HTML report.';
  static override description = `Runs the recording through the deadline check, then writes:
  perfetto  Chrome trace-event JSON (open in ui.perfetto.dev or chrome://tracing): a track per task, jobs as slices with their layers nested, misses and overruns as instant events;
  jsonl     every verdict, job records included, one JSON object per line;
  csv       one row per job (--records jobs) or per miss and overrun (--records verdicts);
  html      a report: a timeline lane per task (jobs, enclave entries — a fused one across the lanes it served —, world switches, misses; a bounded window of a long run), the misses with what ran instead, a response-time histogram and a scatter over time per task (SVG, no script).`;
  static override examples = [
    { command: '<%= config.bin %> trace export run.rtrace.jsonl --format perfetto -o run.trace.json', description: 'For ui.perfetto.dev.' },
    { command: '<%= config.bin %> trace export run.rtrace.jsonl --format html -o report.html', description: 'An HTML report.' },
    { command: '<%= config.bin %> trace export run.rtrace.jsonl --format csv --records verdicts -o misses.csv --taskset taskset.yaml', description: 'Misses and overruns as CSV, against a task-set file.' },
  ];
  static override args = { recording: Args.string({ description: 'Recorded trace file (.rtrace.jsonl).', required: true }) };
  static override flags = {
    format: Flags.string({ char: 'f', summary: 'Output format.', options: [...formats], required: true }),
    output: Flags.string({ char: 'o', summary: 'Output file.', required: true }),
    taskset: Flags.string({ char: 't', summary: 'Task set file (YAML or JSON); default: the one in the recording.' }),
    records: Flags.string({ summary: 'CSV rows: jobs, or misses and overruns.', options: ['jobs', 'verdicts'], default: 'jobs' }),
    window: Flags.integer({ summary: 'Statistics window, ms of device time (jsonl).', default: 1000, min: 1 }),
  };

  async run() {
    const { args, flags } = await this.parse(TraceExport);
    const { records, spec, header } = openRecording(args.recording, flags.taskset);
    // Kept in stream order for JSONL; the summary groups them for the other formats.
    const verdicts: Verdict[] = [];
    const verdicts$ = deadlineCheck$(replay(records), spec, { windowUs: flags.window * 1000, clockHz: header.device?.clockHz });
    const summary = await collectVerdicts(verdicts$.pipe(tap((verdict) => verdicts.push(verdict))));
    let text: string;
    switch (flags.format as (typeof formats)[number]) {
      case 'perfetto':
        text = JSON.stringify(toPerfetto({ jobs: summary.jobs, misses: summary.misses, overruns: summary.overruns, spec, device: header.device?.deviceId }));
        break;
      case 'jsonl':
        text = verdictsToJsonl(verdicts);
        break;
      case 'csv':
        text = flags.records === 'jobs' ? jobsToCsv(summary.jobs) : verdictsToCsv([...summary.misses, ...summary.overruns]);
        break;
      case 'html': {
        // A second pass over the recording for the enclave entries, which the verdicts do not carry.
        const { entries, incomplete } = await entriesOfMessages(replay(openRecording(args.recording, flags.taskset).records), { clockHz: header.device?.clockHz });
        const source = header.device ? `${header.device.deviceId} (${header.device.board})` : undefined;
        text = await renderHtmlReport(summary, { spec, title: `trace report: ${args.recording}`, source, entries, incompleteEntries: incomplete });
        break;
      }
    }
    writeFileSync(flags.output, text);
    const result = { recording: args.recording, format: flags.format, output: flags.output, bytes: Buffer.byteLength(text), jobs: summary.jobs.length, misses: summary.misses.length, overruns: summary.overruns.length };
    if (!this.jsonEnabled()) this.log(`wrote ${flags.output} (${flags.format}, ${result.bytes} bytes): ${result.jobs} jobs, ${result.misses} misses, ${result.overruns} overruns`);
    return result;
  }
}

// The run folder: where a campaign keeps what it did, so that a later `--resume` (after Ctrl-C, a crash or
// SIGKILL) and `rtinfer campaign report` need nothing else. Every file is written whole to a temporary name and
// renamed, so a killed campaign leaves each file either absent or complete (a trace is never cut short).
//
//   campaign.yaml                 the campaign as run (a copy; state.json names the original)
//   state.json                    the steps done, with their facts (what --resume skips)
//   events.jsonl                  each step started, done, failed, skipped on resume (appended)
//   environment.json              rtinfer version and git commit, host OS, each device's HELLO, model digests
//   models/<model>.rtm            the compressed containers pushed
//   traces/<run>-r<k>.rtrace.jsonl   each repetition's recording (trace/recorded/format.ts)
//   inference/<run>-r<k>.json     the inference checked against the host reference
//   analysis/<run>-r<k>.json      the task set and, on a TEE device, the plan and what the simulator predicted
//   verdicts/<run>-r<k>.json      the deadline check's counts and each assertion's outcome
//   report.html, junit.xml, summary.json
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeWhole } from '../util/write-whole.js';
import { RunFolderError } from './campaign-error.js';

export const STATE_FORMAT = 'rtinfer-campaign-state/1';

export interface StepRecord {
  /** ISO time the step finished. */
  at: string;
  attempts: number;
  facts?: Record<string, unknown>;
}

export interface CampaignState {
  format: typeof STATE_FORMAT;
  /** The campaign file as given (absolute): its relative paths resolve beside it. */
  campaignFile: string;
  campaignSha256: string;
  created: string;
  /** Step id → what it did; only finished steps are here. */
  done: Record<string, StepRecord>;
  /** Target name → its device's HELLO facts, as last seen. */
  devices: Record<string, Record<string, unknown>>;
  /** --target: only the runs on these targets (the report covers those). */
  targets?: string[];
}

export const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

export { writeWhole };

/** JSON that also takes the protocol's u64 values (as decimal strings). */
export const jsonText = (value: unknown, indent?: number): string => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);

export const runKey = (run: string, repetition: number) => `${run}-r${repetition}`;

export class RunFolder {
  constructor(readonly dir: string) {}

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  trace(key: string) {
    return this.path('traces', `${key}.rtrace.jsonl`);
  }

  json(kind: 'inference' | 'analysis' | 'verdicts', key: string) {
    return this.path(kind, `${key}.json`);
  }

  model(name: string) {
    return this.path('models', `${name}.rtm`);
  }

  /** A new folder, or an existing one to resume. */
  static create(dir: string, campaignFile: string, campaignText: string): RunFolder {
    if (existsSync(join(dir, 'state.json'))) throw new RunFolderError(dir, 'already holds a campaign run: resume it with --resume, or give another --out', {});
    const folder = new RunFolder(dir);
    for (const sub of ['traces', 'inference', 'analysis', 'verdicts', 'models', 'targets']) mkdirSync(folder.path(sub), { recursive: true });
    writeWhole(folder.path('campaign.yaml'), campaignText);
    folder.saveState({ format: STATE_FORMAT, campaignFile, campaignSha256: sha256Hex(campaignText), created: new Date().toISOString(), done: {}, devices: {} });
    return folder;
  }

  static open(dir: string): { folder: RunFolder; state: CampaignState } {
    const folder = new RunFolder(dir);
    const file = folder.path('state.json');
    if (!existsSync(file)) throw new RunFolderError(dir, 'no state.json here: not a campaign run folder', {});
    let state: CampaignState;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as CampaignState;
    } catch (error) {
      throw new RunFolderError(dir, `state.json is not JSON: ${(error as Error).message}`, {});
    }
    if (state.format !== STATE_FORMAT) throw new RunFolderError(dir, `state.json is ${JSON.stringify(state.format)}, this host reads ${STATE_FORMAT}`, {});
    folder.removePartials();
    return { folder, state };
  }

  /** A campaign killed while writing leaves `*.partial` files (never under a real name): not results, removed. */
  private removePartials(): void {
    for (const sub of ['.', 'traces', 'inference', 'analysis', 'verdicts', 'models']) {
      const at = this.path(sub);
      if (!existsSync(at)) continue;
      for (const name of readdirSync(at)) if (name.endsWith('.partial')) rmSync(join(at, name), { force: true });
    }
  }

  saveState(state: CampaignState): void {
    writeWhole(this.path('state.json'), `${jsonText(state, 2)}\n`);
  }

  writeJson(path: string, value: unknown): void {
    writeWhole(path, `${jsonText(value, 2)}\n`);
  }

  readJson<T>(path: string): T | undefined {
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
  }

  event(event: Record<string, unknown>): void {
    appendFileSync(this.path('events.jsonl'), `${jsonText({ at: new Date().toISOString(), ...event })}\n`);
  }
}

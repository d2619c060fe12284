// A long run can miss thousands of deadlines: the CLI prints the first few of each kind of verdict, counts the
// rest, and says where every one of them is kept.
import type { ListLimit } from '../trace/verdict-report.js';

/** How many of each kind (misses, overruns, …) a run prints, as text or as NDJSON. */
export const FIRST_FEW = 5;

/** Where the verdicts a run did not print can be found. */
export function whereTheRestAre(recording: string | undefined): string {
  return recording
    ? `all are in the recording: \`rtinfer trace check ${recording}\` lists every one, \`rtinfer trace export ${recording} --format jsonl\` writes them`
    : 'run with --record FILE to keep them all, then `rtinfer trace check FILE` lists every one and `rtinfer trace export FILE` exports them';
}

export function firstFewLimit(recording: string | undefined): ListLimit {
  return { first: FIRST_FEW, rest: whereTheRestAre(recording) };
}

/** Admits the first FIRST_FEW items of each kind and counts the ones it holds back. */
export class FirstFewPerKind {
  private readonly seen = new Map<string, number>();

  admit(kind: string): boolean {
    const count = (this.seen.get(kind) ?? 0) + 1;
    this.seen.set(kind, count);
    return count <= FIRST_FEW;
  }

  /** Per kind, how many were held back (kinds with none are left out). */
  heldBack(): Record<string, number> {
    return Object.fromEntries([...this.seen].filter(([, count]) => count > FIRST_FEW).map(([kind, count]) => [kind, count - FIRST_FEW]));
  }
}

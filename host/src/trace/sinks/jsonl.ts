// JSON Lines of verdicts and job records: one object per line, as they come.
import { createWriteStream } from 'node:fs';
import type { Observable } from 'rxjs';
import type { Verdict } from '../verdicts.js';
import { jsonLine } from './json-safe.js';

export function verdictsToJsonl(verdicts: Iterable<Verdict>): string {
  let out = '';
  for (const verdict of verdicts) out += jsonLine(verdict);
  return out;
}

/** Writes a verdict stream to a file as it arrives; resolves when the stream completes and the file is flushed. */
export function writeJsonl(verdicts$: Observable<Verdict>, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    let lines = 0;
    out.on('error', reject);
    verdicts$.subscribe({
      next(verdict) {
        out.write(jsonLine(verdict));
        lines++;
      },
      error(error) {
        out.end();
        reject(error);
      },
      complete() {
        out.end(() => resolve(lines));
      },
    });
  });
}

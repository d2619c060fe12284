import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { jobRecord } from '../test-support/marbles.js';
import type { Verdict } from '../verdicts.js';
import { jobsToCsv, verdictsToCsv } from './csv.js';
import { verdictsToJsonl, writeJsonl } from './jsonl.js';

const job = jobRecord({ task: 1, job: 2, releaseUs: 0, endUs: 10, responseUs: 10, executionUs: 8, fragments: [2, 10] });

describe('JSONL', () => {
  it('writes one object per line, an unknown time as null, undefined fields left out', async () => {
    const verdicts: Verdict[] = [job, { kind: 'dropped', count: 4, batch: 9 }];
    const file = join(mkdtempSync(join(tmpdir(), 'rtinfer-jsonl-')), 'out.jsonl');
    expect(await writeJsonl(from(verdicts), file)).toBe(2);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(verdictsToJsonl(verdicts));
    const [first, second] = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(first).toMatchObject({ kind: 'job', task: 1, hostEndUs: null, executionUs: 8 });
    expect(first).not.toHaveProperty('startUs');
    expect(second).toEqual({ kind: 'dropped', count: 4, batch: 9 });
  });

  it('rejects with the stream\'s error', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rtinfer-jsonl-')), 'out.jsonl');
    await expect(writeJsonl(throwError(() => new Error('truncated')), file)).rejects.toThrow('truncated');
  });
});

describe('CSV', () => {
  it('leaves unknown values empty and quotes what needs quoting', () => {
    expect(jobsToCsv([job]).split('\n')[1]).toBe('1,2,0,,10,10,8,,,false,0,1,0,0,0,');
    const csv = verdictsToCsv([
      {
        kind: 'miss',
        task: 0,
        job: 1,
        releaseUs: 0,
        deadlineUs: 5,
        endUs: undefined,
        latenessUs: 2,
        overdue: true,
        detectedBy: 'trace',
        detectedAtUs: 7,
        ranInstead: [
          { task: 1, job: 2, busyUs: 3, layers: [0] },
          { task: 2, job: 1, busyUs: 1, layers: [] },
        ],
        runningAtDetection: undefined,
        worldSwitches: 2,
        deviceReported: false,
        traceLost: false,
      },
    ]);
    expect(csv.split('\n')[1]).toBe('miss,0,1,0,5,,2,true,trace,,,,1/2:3us 2/1:1us,2');
  });
});

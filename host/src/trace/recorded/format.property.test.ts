// Recordings are files users pass around: any cut or corrupted recording gives a TraceFileError (with line and
// offset) or the records that are intact, never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceTaskset, synthesizePeriodicTrace } from '../synthetic/periodic-trace.js';
import { TraceFileError } from '../errors.js';
import { formatHeader, formatRecord, parseRecordedTrace } from './format.js';

const trace = synthesizePeriodicTrace({ ...referenceTaskset(), durationUs: 60_000 });
const text = formatHeader(trace.header) + trace.messages.map(formatRecord).join('');

/** Parses and drains every record; returns how many, or the error thrown. */
function readAll(input: string): number | unknown {
  try {
    return [...parseRecordedTrace(input, 'p.rtrace.jsonl').records].length;
  } catch (error) {
    return error;
  }
}

describe('recorded trace files under damage (property)', () => {
  it('a recording cut anywhere is either whole records or a typed truncation at the cut', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), (length) => {
        const cut = text.slice(0, length);
        const outcome = readAll(cut);
        if (typeof outcome === 'number') {
          // Only a cut at a line boundary parses, and then it keeps every record before the cut.
          expect(cut.endsWith('\n')).toBe(true);
          expect(outcome).toBe(cut.split('\n').length - 2);
        } else {
          expect(outcome).toBeInstanceOf(TraceFileError);
          expect(['truncated_record', 'bad_header']).toContain((outcome as TraceFileError).code);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('any corrupted character gives records or a TraceFileError, never another exception', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), fc.integer({ min: 0, max: 0x7f }), (at, code) => {
        const corrupted = text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
        const outcome = readAll(corrupted);
        if (typeof outcome !== 'number') expect(outcome).toBeInstanceOf(TraceFileError);
      }),
      { numRuns: 1000 },
    );
  });
});

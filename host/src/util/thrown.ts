// For tests of typed errors: the RtinferError `run` throws, to assert its code and facts (anything else rethrown).
import { RtinferError } from '../errors.js';

export function thrownRtinferError(run: () => unknown): RtinferError {
  try {
    run();
  } catch (error) {
    if (error instanceof RtinferError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

// Every campaign step has a bound: past it, the step's signal aborts, the link is closed (so whatever request still
// waits on it is rejected) and the step fails with step_bound, which the runner retries like a device gone.
import { RtinferError } from '../errors.js';

export class StepBoundError extends RtinferError {
  constructor(step: string, boundMs: number) {
    super('step_bound', `${step} did not finish within its bound of ${boundMs} ms`, { step, boundMs });
  }
}

/** Runs `work` with its own abort signal, which fires at the bound or when `parent` aborts. */
export async function withinBound<T>(step: string, boundMs: number, parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>, onBound: () => Promise<void>): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort();
  parent.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          // Closing the link rejects whatever request still waits on it.
          void onBound().finally(() => reject(new StepBoundError(step, boundMs)));
        }, boundMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', forward);
  }
}

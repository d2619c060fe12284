// Waiting for a moment on the device's clock. The host's clock cannot say when that is: a device clock may run
// slower than the host's (the sim's --clock cpu on a loaded host counts only the time the sim ran; QEMU's
// -icount counts instructions), and then it reaches a run's end later than the host does. Each PING's t3 says
// where the device clock is; the host sleeps the rest (as if the clocks ran alike) and asks again. A clock that
// stands still between two PINGs can never be waited for (a device whose counter stopped): then it returns at
// once, as the host's own timer would have.
import { pingOnce } from './ping.js';
import type { DeviceSession } from './session.js';

/** Resolves once the device clock has reached `ticks` (checked with PINGs), or when `signal` aborts. */
export async function awaitDeviceTicks(session: DeviceSession, ticks: bigint, clockHz: number, signal?: AbortSignal): Promise<void> {
  let previous: bigint | undefined;
  while (!signal?.aborted) {
    const { t3 } = await pingOnce(session);
    if (t3 >= ticks || (previous !== undefined && t3 <= previous)) return;
    previous = t3;
    // At least 1 ms, so a device just short of the moment is not flooded with PINGs.
    const remainingMs = Math.max(1, Math.ceil((Number(ticks - t3) * 1000) / clockHz));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, remainingMs);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { applySerialportPollerFix } from './serialport-poller-fix.js';

const require = createRequire(import.meta.url);
type PollerClass = new (fd: number, native: unknown) => { once(event: string, callback: (error?: Error) => void): unknown };
const { Poller } = require('@serialport/bindings-cpp/dist/poller.js') as { Poller: PollerClass };

/** Records what the JS poller asks the native poller (libuv's interest set) to watch. */
class RecordingNativePoller {
  static calls: number[] = [];
  constructor(_fd: number, _callback: unknown) {}
  poll(flags: number): void {
    RecordingNativePoller.calls.push(flags);
  }
  stop(): void {}
  destroy(): void {}
}

describe('serialport poller fix', () => {
  it('keeps watching for "writable" while a read re-arms the poller for "readable"', () => {
    applySerialportPollerFix();
    RecordingNativePoller.calls = [];
    const poller = new Poller(3, RecordingNativePoller);
    poller.once('writable', () => {}); // a write found the port full
    poller.once('readable', () => {}); // then a read found nothing and waits
    // The native poller starts libuv with exactly the flags passed (src/poller.cpp):
    // both must be in the second call, or the pending write is never woken.
    expect(RecordingNativePoller.calls).toEqual([0b0010, 0b0011]);
  });
});

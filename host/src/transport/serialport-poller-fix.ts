// Works around a bug in @serialport/bindings-cpp (13.0.0, src/poller.cpp):
// Poller::poll(events) records the accumulated interest set in this->events but
// calls uv_poll_start() with only the new `events`. So when a write is waiting
// for "writable" (the pty or UART buffer was full) and a read then asks for
// "readable", libuv stops watching writability; if the port becomes writable
// while no more input arrives, the write waits forever. Under load this hung
// model pushes (the device idle, waiting for the very bytes stuck in the host).
// The fix asks the native poller for every event that still has a listener.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const READABLE = 0b0001;
const WRITABLE = 0b0010;
const DISCONNECT = 0b0100;

interface PollerLike {
  listenerCount(event: string): number;
  poll(eventFlag?: number): void;
}

let applied = false;

export function applySerialportPollerFix(): void {
  if (applied) return;
  applied = true;
  const { Poller } = require('@serialport/bindings-cpp/dist/poller.js') as { Poller: { prototype: PollerLike } };
  const original = Poller.prototype.poll;
  Poller.prototype.poll = function poll(this: PollerLike, eventFlag = 0) {
    let flags = eventFlag;
    if (this.listenerCount('readable') > 0) flags |= READABLE;
    if (this.listenerCount('writable') > 0) flags |= WRITABLE;
    if (this.listenerCount('disconnect') > 0) flags |= DISCONNECT;
    original.call(this, flags);
  };
}

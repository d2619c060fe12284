import { describe, expect, it } from 'vitest';
import { FakeDevice } from '../daemon/test-support/fake-device.js';
import { awaitDeviceTicks } from './await-device-time.js';

describe('awaitDeviceTicks', () => {
  it('returns once the device clock has passed the moment', async () => {
    const device = new FakeDevice();
    const session = await device.open();
    const target = BigInt(Math.round(performance.now() * 1000)) + 20_000n; // 20 ms ahead on the fake's 1 MHz clock
    await awaitDeviceTicks(session, target, 1_000_000);
    expect(BigInt(Math.round(performance.now() * 1000))).toBeGreaterThanOrEqual(target);
    await session.close();
  });

  it('gives up on a clock that stands still instead of pinging forever', async () => {
    const device = new FakeDevice();
    device.frozenClock = 5n;
    const session = await device.open();
    // 30 ms of device time ahead: the host sleeps that, asks again, sees the same time and stops waiting;
    // without the standstill check it would sleep and ask forever.
    await awaitDeviceTicks(session, 30_006n, 1_000_000);
    await session.close();
  });

  it('stops when aborted', async () => {
    const device = new FakeDevice();
    const session = await device.open();
    const abort = new AbortController();
    abort.abort();
    await awaitDeviceTicks(session, 3_600_000_000n, 1_000_000, abort.signal);
    await session.close();
  });
});

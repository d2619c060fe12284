// One HIL suite, any target (issue 17 item 3), shown on devices the suite did not start: a sim started here stands
// for a board already flashed and plugged in (RTINFER_HIL_TARGET=serial:<its pty>), another one on a broker through
// the serial-to-MQTT bridge for a device on a lab's broker (mqtt://HOST:PORT/<id>). An inner vitest runs suites
// against each as a user would on hardware: they connect and HELLO, start nothing, and skip what needs sim-only
// powers with the reason printed.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type MqttDeviceBridge, repositoryRoot, type RunningBroker, type RunningSim, startAedesBroker, startMqttDeviceBridge, startSim } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let dir: string;
let onSerial: RunningSim;
let onBroker: RunningSim;
let broker: RunningBroker;
let bridge: MqttDeviceBridge;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-any-target-'));
  // The cpu clock, as sim-infer asks of the sims it starts: its periodic run asserts no misses.
  onSerial = await startSim({ deviceId: `ext-serial-${process.pid}`, storage: join(dir, 'serial.flash'), clock: 'cpu' });
  onBroker = await startSim({ deviceId: `ext-mqtt-${process.pid}`, storage: join(dir, 'mqtt.flash'), clock: 'cpu' });
  broker = await startAedesBroker();
  bridge = await startMqttDeviceBridge({ devicePath: onBroker.pty, brokerUrl: broker.url, deviceId: onBroker.deviceId });
});

afterAll(async () => {
  await bridge?.stop();
  await broker?.stop();
  const codes = [await onSerial?.stop(), await onBroker?.stop()];
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
});

/** `vitest run --project hil FILES` with RTINFER_HIL_TARGET set; its own vitest variables left out. */
async function innerRun(target: string, ...args: string[]): Promise<{ code: number; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  const vitest = join(repositoryRoot, 'node_modules', 'vitest', 'vitest.mjs');
  try {
    const { stdout, stderr } = await run(process.execPath, [vitest, 'run', '--project', 'hil', '--reporter', 'verbose', ...args], {
      cwd: repositoryRoot,
      env: { ...env, RTINFER_HIL_TARGET: target, NO_COLOR: '1' },
      maxBuffer: 16 << 20,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('the HIL suites on devices they did not start', () => {
  it('sim-infer on serial:<pty>: all that needs no sim-only power passes, the memory tests skip naming the power', async () => {
    const target = `serial:${onSerial.pty}`;
    const { code, output } = await innerRun(target, 'hil-tests/src/sim-infer.test.ts');
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+6 passed \| 2 skipped \(8\)/);
    expect(output).toContain(`needs memory, which ${target} lacks`);
    // The suite used the device it was given: its HELLO is the sim's started here.
    expect(output).not.toMatch(/\[hil\] .* is a TEE device/);
  }, 240_000);

  it('cli-infer\'s TREC check through the CLI on mqtt://HOST:PORT/<id>', async () => {
    const target = `${broker.url}/${onBroker.deviceId}`;
    const before = bridge.statistics().downDelivered;
    const { code, output } = await innerRun(target, 'hil-tests/src/cli-infer.test.ts', '-t', 'runs TREC with named layers');
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+1 passed \|/);
    // The push and the infers went over the broker: the bridge carried them.
    expect(bridge.statistics()).toMatchObject({ downFailed: 0 });
    expect(bridge.statistics().downDelivered).toBeGreaterThan(before);
  }, 240_000);
});

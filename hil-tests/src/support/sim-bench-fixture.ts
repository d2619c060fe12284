// A simulated bench holding one Pi sim (`rtinfer sim start --bench B --count 0 --pi-count 1`) for a suite: a temp
// folder holding the children's slot files (TMPDIR), teesim storage (XDG_DATA_HOME) and the CLI's cached sealing
// (XDG_CACHE_HOME); the daemon started and the Pi seen online. simBenchFixture registers its own beforeAll/afterAll;
// afterAll stops the daemon, expects it to exit 0, and puts the environment back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { DaemonProcess } from './daemon-process.js';
import { redirectEnv } from './pi-fixture.js';

export interface SimBenchPi {
  deviceId: string;
  board: string;
  teeKeySha256: string;
  /** The Pi's own MQTT address on the bench's broker (provision and profile reach it there). */
  mqtt: string;
}

export interface SimBenchFixture {
  dir: string;
  bench: string;
  broker: string;
  pi: SimBenchPi;
  daemon: DaemonProcess;
}

export function simBenchFixture(options: { prefix: string; bench: string }): SimBenchFixture {
  const fixture = { bench: options.bench } as SimBenchFixture;
  let restoreEnv: (() => void) | undefined;
  beforeAll(async () => {
    fixture.dir = mkdtempSync(join(tmpdir(), `rtinfer-${options.prefix}-`));
    const dir = fixture.dir;
    restoreEnv = redirectEnv({ TMPDIR: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CACHE_HOME: join(dir, 'cache') });
    fixture.daemon = await DaemonProcess.start(['sim', 'start', '--bench', options.bench, '--count', '0', '--pi-count', '1']);
    const started = fixture.daemon.started as unknown as { broker: string; devices: SimBenchPi[] };
    fixture.broker = started.broker;
    fixture.pi = started.devices[0]!;
    await fixture.daemon.waitFor((event) => event.event === 'device' && event.device === fixture.pi.deviceId && event.state === 'online', 15_000, 'the Pi online');
  });
  afterAll(async () => {
    const code = await fixture.daemon?.stop();
    restoreEnv?.();
    if (fixture.dir) rmSync(fixture.dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });
  return fixture;
}

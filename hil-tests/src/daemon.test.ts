// Bench daemons as a lab runs them: a real broker (Mosquitto, else Aedes), two
// `rtinfer daemon` processes each owning a POSIX sim on a pty, and the built
// CLI finding both benches, pushing through the other bench's daemon, and
// seeing a killed sim go offline and come back. It runs a task set on that
// device through its daemon and checks its deadlines live from the TRACE
// batches the daemon forwards (run --bench, monitor --bench).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BenchClient,
  mosquittoInstalled,
  type MqttDeviceBridge,
  type RunningBroker,
  type RunningSim,
  startAedesBroker,
  startMosquitto,
  startMqttDeviceBridge,
  startSim,
} from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinferIn } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';

const withMosquitto = mosquittoInstalled();
const brokerName = withMosquitto ? 'Mosquitto' : 'Aedes (mosquitto is not installed)';
const tag = process.pid;
const benchA = `hil-a-${tag}`;
const benchB = `hil-b-${tag}`;
const deviceA = `dev-a-${tag}`;
const deviceB = `dev-b-${tag}`;
/** On bench A too, but reached through the broker: a sim behind the MQTT device bridge. */
const deviceM = `dev-m-${tag}`;

describe(`bench daemons on ${brokerName}`, () => {
  let dir: string;
  let broker: RunningBroker;
  const sims = new Map<string, RunningSim>();
  let daemonA: DaemonProcess;
  let daemonB: DaemonProcess;
  let lab: string;
  let bridge: MqttDeviceBridge;
  const cli = (...args: string[]) => rtinferIn(dir, ...args, '--lab', lab, '--json');

  /**
   * A sim behind a stable link (the path in the lab config), with its own flash file. On the cpu clock: the
   * periodic run asserts its exact misses, which a loaded host must not change by descheduling the sim.
   */
  const startBenchSim = async (id: string) => {
    const sim = await startSim({ deviceId: id, link: join(dir, `${id}.tty`), storage: join(dir, `${id}.flash`), clock: 'cpu' });
    sims.set(id, sim);
    return sim;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtinfer-daemon-'));
    broker = withMosquitto ? await startMosquitto() : await startAedesBroker();
    await startBenchSim(deviceA);
    await startBenchSim(deviceB);
    bridge = await startMqttDeviceBridge({ devicePath: (await startBenchSim(deviceM)).pty, brokerUrl: broker.url });
    lab = join(dir, 'rtinfer.lab.yaml');
    writeFileSync(
      lab,
      [
        'brokers:',
        `  lab: { url: "${broker.url}" }`,
        'benches:',
        `  ${benchA}:`,
        `    devices: [{ id: ${deviceA}, serial: ${join(dir, `${deviceA}.tty`)} }, { id: ${deviceM}, mqtt: ${deviceM} }]`,
        `  ${benchB}:`,
        `    devices: [{ id: ${deviceB}, serial: ${join(dir, `${deviceB}.tty`)} }]`,
        'defaults:',
        '  reconnect: { initialMs: 100, maxMs: 1000 }',
        '  healthIntervalMs: 500',
        '',
      ].join('\n'),
    );
    daemonA = await DaemonProcess.start(['daemon', '--lab', lab, '--bench', benchA]);
    daemonB = await DaemonProcess.start(['daemon', '--lab', lab, '--bench', benchB]);
    for (const device of [deviceA, deviceM]) await daemonA.waitFor((event) => event.event === 'device' && event.device === device && event.state === 'online', 15_000, `${device} online`);
    await daemonB.waitFor((event) => event.event === 'device' && event.state === 'online', 15_000, `${deviceB} online`);
  });

  afterAll(async () => {
    const daemons = [await daemonA?.stop(), await daemonB?.stop()];
    await bridge?.stop();
    const simCodes = await Promise.all([...sims.values()].map((sim) => sim.stop()));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(daemons).toEqual([0, 0]);
    // A sanitizer report makes a sim exit non-zero: that is a firmware bug, not noise.
    expect(simCodes.every((code) => code === 0)).toBe(true);
  });

  it('devices --all-benches lists both benches and their devices, online', async () => {
    const { code, stdout, stderr } = await cli('devices', '--all-benches');
    expect(code, stderr).toBe(0);
    const { benches } = JSON.parse(stdout) as { benches: { bench: string; online: boolean; devices: { id: string; state: string; hello?: { deviceId: string } }[] }[] };
    const mine = benches.filter((bench) => bench.bench === benchA || bench.bench === benchB);
    expect(mine).toEqual([
      expect.objectContaining({
        bench: benchA,
        online: true,
        devices: [
          expect.objectContaining({ id: deviceA, kind: 'serial', state: 'online', hello: expect.objectContaining({ deviceId: deviceA, board: 'posix_sim' }) }),
          expect.objectContaining({ id: deviceM, kind: 'mqtt', state: 'online', address: `${broker.url}/${deviceM}`, hello: expect.objectContaining({ deviceId: deviceM }) }),
        ],
      }),
      expect.objectContaining({ bench: benchB, online: true, devices: [expect.objectContaining({ id: deviceB, state: 'online', hello: expect.objectContaining({ deviceId: deviceB }) })] }),
    ]);
    const one = await cli('devices', '--bench', benchB);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ bench: benchB, devices: [{ id: deviceB, state: 'online', kind: 'serial' }] });
  });

  it('pushes a compressed zoo model to the device on the other bench, which verifies it', async () => {
    const compressed = await rtinferIn(dir, 'compress', 'lenet-5', '-o', 'lenet-5.rtm');
    expect(compressed.code, compressed.stderr).toBe(0);
    const pushed = await cli('push', 'lenet-5.rtm', '--bench', benchB, '--device', deviceB);
    expect(pushed.code, pushed.stderr).toBe(0);
    const summary = JSON.parse(pushed.stdout);
    expect(summary).toMatchObject({ modelId: 'lenet-5', active: true });
    // Ask the device itself, through its daemon: the slot holds the model, verified.
    const client = await BenchClient.connect({ url: broker.url });
    try {
      const models = (await client.call(benchB, 'models', { device: deviceB })) as { slots: { slot: number; state: number; modelId?: string; size?: number }[] };
      expect(models.slots.find((slot) => slot.slot === summary.slot)).toMatchObject({ state: 3, modelId: 'lenet-5', size: summary.bytes });
    } finally {
      await client.close();
    }
  });

  describe('a periodic run on the device on the other bench, through its daemon', () => {
    // As sim-trace.test.ts runs it locally: "hog" cannot finish one inference in 20 µs, so every one of its
    // jobs misses its deadline and overruns its budget; "ok" meets every deadline.
    const DURATION_S = 1;
    const HOG_PERIOD_MS = 200;
    const OK_PERIOD_MS = 100;
    const hogJobs = (DURATION_S * 1000) / HOG_PERIOD_MS;
    const okJobs = (DURATION_S * 1000) / OK_PERIOD_MS;
    const expectedMisses = [...Array(hogJobs).keys()].map((job) => [1, job]);
    const taskArgs = () => ['--bench', benchB, '-d', deviceB, '-t', 'tasks.yaml', '--duration', `${DURATION_S}s`];

    beforeAll(async () => {
      const compressed = await rtinferIn(dir, 'compress', 'lenet-5-classic', '-o', 'lenet-5-classic.rtm', '--test-inputs', '1');
      expect(compressed.code, compressed.stderr).toBe(0);
      const pushed = await cli('push', 'lenet-5-classic.rtm', '--bench', benchB, '--device', deviceB);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(JSON.parse(pushed.stdout)).toMatchObject({ modelId: 'lenet-5-classic', active: true });
      writeFileSync(
        join(dir, 'tasks.yaml'),
        `tasks:\n  - { name: ok, task: 0, period: ${OK_PERIOD_MS}ms, mode: dense }\n  - { name: hog, task: 1, period: ${HOG_PERIOD_MS}ms, deadline: 20us, budget: 10us, mode: trec }\n`,
      );
    }, 120_000);

    it('infer --bench runs TREC on the other bench\'s device, checked against the host reference', async () => {
      const { code, stdout, stderr } = await cli('infer', '--bench', benchB, '-d', deviceB, '--model', 'lenet-5-classic.rtm', '--mode', 'trec', '--check');
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout);
      expect(result.device).toBe(`${benchB}/${deviceB}`);
      expect(result.trec.length).toBeGreaterThan(0);
      expect(result.check).toMatchObject({ reference: 'TREC', clustersEqual: true, topAgrees: true });
    });

    it('ping --bench and models --bench reach the other bench\'s device through its daemon', async () => {
      const ping = await cli('ping', '--bench', benchB, '-d', deviceB, '--count', '5');
      expect(ping.code, ping.stderr).toBe(0);
      expect(JSON.parse(ping.stdout)).toMatchObject({ bench: benchB, device: deviceB, roundTrip: { count: 5 }, lost: 0 });
      const models = await cli('models', '--bench', benchB, '-d', deviceB);
      expect(models.code, models.stderr).toBe(0);
      const { device, slots } = JSON.parse(models.stdout) as { device: string; slots: { state: string; active: boolean; modelId?: string; sha256?: string }[] };
      expect(device).toBe(`${benchB}/${deviceB}`);
      expect(slots).toContainEqual(expect.objectContaining({ state: 'verified', active: true, modelId: 'lenet-5-classic', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }));
    });

    it('run --bench reports exactly the expected misses and overruns, and records the run', async () => {
      const run = await cli('run', ...taskArgs(), '--trace', 'jobs,layers,trec', '--record', 'bench-run.rtrace.jsonl');
      expect(run.code, run.stderr).toBe(0);
      const verdicts = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { kind: string; task?: number; job?: number });
      const summary = verdicts.pop() as unknown as { kind: string; device: string; jobs: number; misses: number; overruns: number; deviceSummary: Record<string, number> };
      expect(summary).toMatchObject({ kind: 'summary', device: `${deviceB} on bench ${benchB}`, jobs: hogJobs + okJobs, misses: hogJobs, overruns: hogJobs });
      expect(verdicts.filter((verdict) => verdict.kind === 'miss').map((miss) => [miss.task, miss.job])).toEqual(expectedMisses);
      expect(verdicts.filter((verdict) => verdict.kind === 'budget_overrun').map((overrun) => [overrun.task, overrun.job])).toEqual(expectedMisses);
      // Nothing lost on the way through the daemon and the broker: no batch gaps, duplicates or shed items.
      expect(verdicts.filter((verdict) => ['batch_gap', 'batch_duplicate', 'shed', 'dropped'].includes(verdict.kind))).toEqual([]);
      expect(summary.deviceSummary).toMatchObject({ released: hogJobs + okJobs, completed: hogJobs + okJobs, missed: hogJobs, dropped: 0 });
      // The recording checks the same afterwards, with the clock rate its header took from the bench's table.
      const header = JSON.parse(readFileSync(join(dir, 'bench-run.rtrace.jsonl'), 'utf8').split('\n')[0]!);
      expect(header).toMatchObject({ device: { deviceId: deviceB, board: 'posix_sim' } });
      const checked = await rtinferIn(dir, 'trace', 'check', 'bench-run.rtrace.jsonl', '--json');
      expect(checked.code, checked.stderr).toBe(0);
      expect(JSON.parse(checked.stdout.trim().split('\n').at(-1)!)).toMatchObject({ kind: 'summary', jobs: hogJobs + okJobs, misses: hogJobs, overruns: hogJobs });
    });

    it('monitor --bench exits 0 and prints the per-task table; a push meanwhile is refused device_busy', async () => {
      const from = daemonB.events.length;
      const monitored = rtinferIn(dir, 'monitor', ...taskArgs(), '--lab', lab);
      // Once the daemon has taken the run request, the device is held until the run ends.
      await daemonB.waitFor((event) => event.event === 'request' && event.method === 'run', 30_000, 'the run request', from);
      const client = await BenchClient.connect({ url: broker.url });
      try {
        const container = readFileSync(join(dir, 'lenet-5-classic.rtm')).toString('base64');
        await expect(client.call(benchB, 'push', { device: deviceB, container, modelId: 'lenet-5-classic' })).rejects.toMatchObject({
          code: 'device_busy',
          facts: { device: deviceB, job: 'a run of 2 tasks' },
        });
      } finally {
        await client.close();
      }
      const { code, stdout, stderr } = await monitored;
      expect(code, stderr).toBe(0);
      // The last redraw (each begins by clearing the screen) is the final table.
      const lines = stdout.split('\x1b[2J').at(-1)!.split('\n');
      const headerAt = lines.findIndex((line) => /^task\s+jobs\s+miss\s+over\s+R p50/.test(line));
      expect(headerAt, stdout).toBeGreaterThanOrEqual(0);
      // Not a TTY: a task with misses is marked "!" instead of drawn red.
      expect(lines.slice(headerAt + 1, headerAt + 3)).toEqual([
        expect.stringMatching(new RegExp(`^ok\\s+${okJobs}\\s+0\\s+0\\s`)),
        expect.stringMatching(new RegExp(`^! hog\\s+${hogJobs}\\s+${hogJobs}\\s+${hogJobs}\\s`)),
      ]);
      expect(stdout).toContain(`run         2 tasks for ${DURATION_S.toFixed(3)} s on ${deviceB} on bench ${benchB}: device counted ${hogJobs + okJobs} released`);
    });

    it('names an unknown device, an unknown bench and an unreachable broker with typed errors', async () => {
      const unknown = await cli('run', '--bench', benchB, '-d', 'no-such-device', '-t', 'tasks.yaml', '--duration', '10ms');
      expect(unknown.code).toBe(2);
      expect(JSON.parse(unknown.stdout)).toMatchObject({ code: 'unknown_device', bench: benchB, device: 'no-such-device', known: deviceB });
      const noBench = await cli('monitor', '--bench', `hil-none-${tag}`, '-d', deviceB, '-t', 'tasks.yaml', '--duration', '10ms');
      expect(noBench.code).toBe(2);
      expect(JSON.parse(noBench.stdout)).toMatchObject({ code: 'unknown_bench', bench: `hil-none-${tag}`, broker: broker.url });
      const gone = await startAedesBroker();
      await gone.stop();
      const unreachable = await rtinferIn(dir, 'run', '--bench', benchB, '-d', deviceB, '-t', 'tasks.yaml', '--broker', gone.url, '--json');
      expect(unreachable.code).toBe(2);
      expect(JSON.parse(unreachable.stdout)).toMatchObject({ code: 'broker_unreachable', broker: gone.url, attempts: 4 });
    });
  });

  it('reports a killed sim offline, and online again once it is restarted', async () => {
    const from = daemonA.events.length;
    const killed = sims.get(deviceA)!;
    expect(await killed.stop()).toBe(0); // SIGTERM: the pty closes under the daemon
    await daemonA.waitFor((event) => event.event === 'device' && event.device === deviceA && event.state === 'offline', 15_000, `${deviceA} offline`, from);
    const down = JSON.parse((await cli('devices', '--bench', benchA)).stdout);
    expect(down.devices[0]).toMatchObject({ id: deviceA, state: expect.stringMatching(/^(offline|connecting)$/), lastError: expect.any(String) });
    expect(down.devices[1]).toMatchObject({ id: deviceM, state: 'online' }); // the other device is not affected

    const back = daemonA.events.length;
    await startBenchSim(deviceA);
    await daemonA.waitFor((event) => event.event === 'device' && event.device === deviceA && event.state === 'online', 15_000, `${deviceA} online again`, back);
    const up = JSON.parse((await cli('devices', '--bench', benchA)).stdout);
    expect(up.devices[0]).toMatchObject({ id: deviceA, state: 'online' });
    expect(up.devices[0].reconnects).toBeGreaterThanOrEqual(1);
  });

  it('names an unknown device id on a bench, with the bench\'s devices', async () => {
    const { code, stdout } = await cli('push', 'lenet-5.rtm', '--bench', benchB, '--device', 'no-such-device');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ code: 'unknown_device', bench: benchB, device: 'no-such-device', known: deviceB });
  });

  it('names an unknown bench, with the benches it saw', async () => {
    const { code, stdout } = await cli('devices', '--bench', `hil-none-${tag}`);
    expect(code).toBe(2);
    const error = JSON.parse(stdout);
    expect(error).toMatchObject({ code: 'unknown_bench', bench: `hil-none-${tag}`, broker: broker.url });
    expect(error.known.split(', ')).toEqual(expect.arrayContaining([benchA, benchB]));
  });

  it('gives up on an unreachable broker with the URL and the attempts, rather than hanging', async () => {
    // A port that was just free: nothing listens there.
    const gone = await startAedesBroker();
    await gone.stop();
    const { code, stdout } = await rtinferIn(dir, 'devices', '--bench', benchA, '--broker', gone.url, '--json');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ code: 'broker_unreachable', broker: gone.url, attempts: 4 });
  });

  it('refuses a malformed lab config, naming the key and the line', async () => {
    const bad = join(dir, 'bad.lab.yaml');
    writeFileSync(bad, ['brokers:', `  lab: { url: "${broker.url}" }`, 'benches:', `  ${benchA}:`, '    devices: []', '    discovr: {}', ''].join('\n'));
    for (const args of [['devices', '--bench', benchA], ['daemon', '--bench', benchA]]) {
      const { code, stdout } = await rtinferIn(dir, ...args, '--lab', bad, '--json');
      expect(code).toBe(2);
      expect(JSON.parse(stdout)).toMatchObject({ code: 'lab_config', reason: 'unknown_key', key: `benches.${benchA}.discovr`, file: bad, line: 6, column: 5 });
    }
  });
});

describe('rtinfer sim start --bench', () => {
  it('starts sims, an embedded broker and a daemon in one command, reachable with --bench', async () => {
    const bench = `hil-sim-${tag}`;
    const started = await DaemonProcess.start(['sim', 'start', '--bench', bench, '--count', '2']);
    try {
      const { broker, embeddedBroker, devices } = started.started as unknown as { broker: string; embeddedBroker: boolean; devices: { deviceId: string }[] };
      expect(embeddedBroker).toBe(true);
      expect(devices.map((device) => device.deviceId)).toEqual([`${bench}-sim-1`, `${bench}-sim-2`]);
      for (const { deviceId } of devices) await started.waitFor((event) => event.event === 'device' && event.device === deviceId && event.state === 'online', 15_000, `${deviceId} online`);
      const listed = await rtinferIn(tmpdir(), 'devices', '--bench', bench, '--broker', broker, '--json');
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout).devices).toEqual(devices.map(({ deviceId }) => expect.objectContaining({ id: deviceId, state: 'online' })));
    } finally {
      expect(await started.stop()).toBe(0);
    }
  });
});

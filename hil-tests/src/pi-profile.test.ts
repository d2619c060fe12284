// rtinfer profile on a simulated Pi (rtinfer-agent + teesim), issue 13: lenet-5 pushed sealed, profiled over a few
// INFER runs; the profile holds every layer of the model with a positive WCET, the memory its shape (or working set)
// gives under the memory model, the world switch as the device's distribution of empty entries (HELLO tee_switch),
// and says the target is simulated. A FUSION run's layer events carry the TA's own times: inside their entry,
// ordered, summing to at most it. Then the schedulability sweep runs on the profile with a tiny --count and names the
// measurement it used, and a task set's `profile:` brings the measured switch. Bounded work; no timing thresholds.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeContainer, graphLayerMemory, graphLayerShapes, openRecording, parseProfile, parseTaskset } from 'rtinfer';
import { describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { piFixture } from './support/pi-fixture.js';
import { piTargetBoard, piTargetKind } from './support/pi-target.js';

// What the profile says of the target: teesim's times are the host CPU's; OP-TEE under QEMU's are emulated (TCG).
const target =
  piTargetKind() === 'optee-qemu'
    ? { kind: 'emulated', says: 'not of a Cortex-A53', line: /^target {6}emulated: OP-TEE under QEMU \(TCG\)/m }
    : { kind: 'simulated', says: "not a Raspberry Pi's", line: /^target {6}simulated: teesim/m };

const pi = piFixture({ prefix: 'pi-profile', deviceId: 'pi-prof', provision: true });

describe(`rtinfer profile on a simulated Pi (${piTargetKind()})`, () => {
  it('refuses a model the device does not run, naming what it holds', async () => {
    const refused = await rtinfer('profile', pi.model, '--device', pi.agent.pty, '--runs', '2', '-o', join(pi.dir, 'none.json'));
    expect(refused.code).toBe(2);
    expect(unwrapped(refused.stderr)).toMatch(/does not run lenet-5: its active slot holds nothing .*push .*lenet-5\.rtm first/);
    expect(unwrapped(refused.stderr)).toContain('Code: profile_model_not_on_device');
    expect(existsSync(join(pi.dir, 'none.json'))).toBe(false);
  });

  it('profiles lenet-5 in the enclave: every layer, a positive WCET, the memory of its shape, the world switch as the device measured it, the target named', async () => {
    const pushed = await rtinfer('push', pi.model, '--device', pi.agent.pty, '--lab', pi.lab);
    expect(pushed.code, pushed.stderr).toBe(0);
    const file = join(pi.dir, 'lenet-5.profile.json');
    const profiled = await rtinfer('profile', pi.model, '--device', pi.agent.pty, '--runs', '3', '-o', file, '--json');
    expect(profiled.code, profiled.stderr).toBe(0);
    const summary = JSON.parse(profiled.stdout);
    expect(summary).toMatchObject({ file, schedNetwork: null, target: { kind: target.kind } });

    const profile = parseProfile(readFileSync(file, 'utf8'), file);
    const container = decodeContainer(readFileSync(pi.model), pi.model);
    const layers = graphLayerShapes(container.graph);
    expect(profile.layers.map((layer) => layer.name)).toEqual(container.graph.layers.map((layer) => layer.name));
    profile.layers.forEach((layer, index) => {
      expect(layer.wcet_us, layer.name).toBeGreaterThan(0);
      expect(layer.samples.max_us, layer.name).toBeGreaterThan(0);
      expect(layer.shape).toEqual(layers[index]!.shape);
      expect(layer.memory_bytes, layer.name).toBe(graphLayerMemory(layers[index]!, 'full'));
    });
    // The conv, pool and fc layers have their shapes; the ReLU and the softmax are counted from their working sets.
    expect(profile.layers.filter((layer) => layer.shape).map((layer) => layer.name)).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'ip1', 'ip2']);
    expect(profile.device).toMatchObject({ id: pi.agent.deviceId, board: piTargetBoard(), tee: true, tee_heap: pi.agent.teeHeap });
    expect(profile.model).toMatchObject({ id: 'lenet-5', content_digest: container.contentDigest, file_sha256: container.fileSha256, layers: 8 });
    expect(profile.measurement).toMatchObject({ runs: 3, warmup: 1, percentile: 100 });
    expect(profile.target.statement).toContain(target.says);
    // The world switch: the agent's empty entries (HELLO tee_switch: 512, or what 1 s allows), WCET their maximum
    // (--percentile 100).
    const sw = profile.world_switch!;
    expect(sw.method).toContain('HELLO tee_switch');
    expect(sw.runs).toBeGreaterThan(0);
    expect(sw.runs).toBeLessThanOrEqual(512);
    expect(sw.samples.min_us).toBeGreaterThan(0);
    expect([sw.samples.min_us, sw.samples.p50_us, sw.samples.p90_us!, sw.samples.p99_us, sw.samples.max_us]).toEqual(
      [sw.samples.min_us, sw.samples.p50_us, sw.samples.p90_us!, sw.samples.p99_us, sw.samples.max_us].sort((a, b) => a - b),
    );
    expect(sw.wcet_us).toBe(Math.max(1, Math.ceil(sw.samples.max_us)));
    // A layer's entry is a world switch and its work, so none is shorter than the shortest empty entry.
    for (const layer of profile.layers) expect(layer.samples.min_us, layer.name).toBeGreaterThanOrEqual(sw.samples.min_us);

    const text = await rtinfer('profile', pi.model, '--device', pi.agent.pty, '--runs', '2', '--percentile', '50', '-o', join(pi.dir, 'p50.json'));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^world switch \d+ µs \(p50; \d+ samples: p50 [\d.]+ µs, p90 [\d.]+ µs, p99 [\d.]+ µs, max [\d.]+ µs/m);
    // At --percentile 50 the WCET is the device's p50.
    const p50 = parseProfile(readFileSync(join(pi.dir, 'p50.json'), 'utf8')).world_switch!;
    expect(p50.wcet_us).toBe(Math.max(1, Math.ceil(p50.samples.p50_us)));
    expect(text.stdout).toMatch(target.line);
  });

  // teesim's TA reads CLOCK_MONOTONIC; OP-TEE's the generic timer's physical counter, which our OP-TEE build lets EL0
  // read (CFG_FTRACE_SUPPORT; firmware/optee/ta/ta_clock.h). Either way the layers sit inside their entry.
  it("a FUSION run: each layer carries the TA's own times, inside its entry, in order, summing to at most the entry", async () => {
    const tasks = join(pi.dir, 'tasks.yaml');
    // Two lenet-5 tasks released together; the capacity holds one job's units and part of the other's: fused entries.
    writeFileSync(tasks, [
      `model: ${pi.model}`,
      'platform: { enclave_capacity: 2.5MiB }',
      'tasks:',
      '  - { name: camera, task: 0, period: 500ms, deadline: 500ms, policy: lw }',
      '  - { name: lidar, task: 1, period: 500ms, deadline: 500ms, policy: lw }',
      '',
    ].join('\n'));
    const recording = join(pi.dir, 'fusion.rtrace.jsonl');
    const run = await rtinfer('run', '-d', pi.agent.pty, '-t', tasks, '--policy', 'fusion', '--duration', '1s', '--trace', 'jobs,layers', '--record', recording, '--json');
    expect(run.code, run.stderr).toBe(0);
    const entries = entriesWithUnits(recording);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.some((entry) => entry.tasks.size > 1)).toBe(true); // fused, so several jobs' layers share an entry
    for (const entry of entries) {
      const at = `entry ${entry.number}`;
      let previous = entry.enter;
      let inside = 0n;
      for (const unit of entry.units) {
        expect(unit.start, at).toBeGreaterThanOrEqual(previous);
        expect(unit.end, at).toBeGreaterThanOrEqual(unit.start);
        previous = unit.end;
        inside += unit.end - unit.start;
      }
      expect(previous, at).toBeLessThanOrEqual(entry.exit);
      expect(inside, at).toBeLessThanOrEqual(entry.exit - entry.enter);
      // The TA's times, not the entry's edges: the first layer starts after the world enter (the switch in) and the
      // last ends before the exit (the switch out).
      expect(entry.units[0]!.start, at).toBeGreaterThan(entry.enter);
      expect(entry.units.at(-1)!.end, at).toBeLessThan(entry.exit);
    }
  });

  it('experiment schedulability --profile runs on it with a tiny --count and names the measurement it used', async () => {
    const file = join(pi.dir, 'lenet-5.profile.json');
    const out = join(pi.dir, 'sweep');
    const swept = await rtinfer('experiment', 'schedulability', '--profile', file, '--generator', 'uunifast', '--tasks', '5', '--count', '2', '--workers', '1', '--out', out, '--json');
    expect(swept.code, swept.stderr).toBe(0);
    const report = JSON.parse(swept.stdout);
    const profile = parseProfile(readFileSync(file, 'utf8'), file);
    expect(report.source.network).toBe('lenet-5');
    expect(report.source.measurements).toHaveLength(1);
    expect(report.source.measurements[0]).toContain(`lenet-5 measured on ${pi.agent.deviceId} (${piTargetBoard()}, firmware ${profile.device.firmware}, ${target.kind}), 3 runs`);
    // The measured world switch, not the paper's 20 ms.
    expect(report.context.platform.worldSwitch).toBe(profile.world_switch!.wcet_us);
    expect(report.rows.length).toBeGreaterThan(0);
    expect(typeof report.shape.holds).toBe('boolean');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(`lenet-5 measured on ${pi.agent.deviceId}`);

    const missing = await rtinfer('experiment', 'schedulability', '--profile', join(pi.dir, 'nope.json'), '--count', '1', '--out', out);
    expect(missing.code).toBe(2);
    expect(unwrapped(missing.stderr)).toContain('Code: invalid_profile');

    // A task set's `profile:` without a platform world_switch charges the switch the profile measured.
    const taskset = parseTaskset(`tasks:\n  - { name: cam, period: 500ms, profile: ${file} }\n`, join(pi.dir, 'set.yaml'));
    expect(taskset.platform.worldSwitch).toBe(profile.world_switch!.wcet_us);
    expect(taskset.platform.worldSwitchFrom).toBe(file);
  });
});

interface TimedEntry {
  number: number;
  enter: bigint;
  exit: bigint;
  tasks: Set<number>;
  /** Each unit (a whole layer, or a slice) from its start to its end, in the order the trace gives them. */
  units: { start: bigint; end: bigint }[];
}

const EV = { LAYER_START: 4, LAYER_END: 5, SLICE_START: 6, SLICE_END: 7, WORLD_ENTER: 8, WORLD_EXIT: 9 } as const;

/** The recording's entries with their units' times. A unit starts at its layer_start (or slice_start) and ends at
 * its layer_end (or slice_end); a sliced layer's layer_start and layer_end coincide with its first and last slice's. */
function entriesWithUnits(file: string): TimedEntry[] {
  const entries: TimedEntry[] = [];
  let open: TimedEntry | undefined;
  let started: bigint | undefined;
  for (const { message } of openRecording(file, undefined).records) {
    if (message.type !== 'TRACE') continue;
    for (const [kind, task, , rawTicks, arg] of message.body.events) {
      const ticks = BigInt(rawTicks);
      if (kind === EV.WORLD_ENTER) open = { number: Number(arg), enter: ticks, exit: 0n, tasks: new Set(), units: [] };
      else if (kind === EV.WORLD_EXIT && open) {
        open.exit = ticks;
        entries.push(open);
        open = undefined;
      } else if (open && (kind === EV.LAYER_START || kind === EV.SLICE_START)) {
        open.tasks.add(task);
        started ??= ticks;
      } else if (open && (kind === EV.LAYER_END || kind === EV.SLICE_END) && started !== undefined) {
        open.units.push({ start: started, end: ticks });
        started = undefined;
      }
    }
  }
  return entries;
}

// A campaign whose task set names two models (issue 13 in issue 17): examples/campaigns/two-models.yaml on a
// simulated Pi (the agent, the TA in teesim), a LeNet-5 task and a LeNet-300-100 task in the enclave under LW and
// FUSION. The campaign compresses both models, pushes both sealed (one per slot, the run's model active), plans each
// task from its own model, and the device runs both: world switches as the simulator predicts for the two-model plan,
// outputs the host reference's. The second run, and a resumed one, push nothing: the slots hold both already. On a
// running agent (device:) that holds one model, a run of two pushes the second beside it without displacing it, and a
// run whose own model is the other one keeps both. On a bench's Pi, the daemon's client plans the same two-model set
// from the task set file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPiAgent, startPiAgent } from 'rtinfer';
import { afterAll, describe, expect, it } from 'vitest';
import { campaign, campaignProcess, events, examples, readAllTraces, readJson, RUN_FOLDER_FILES, validateJunit } from './support/campaign.js';
import { rtinfer } from './support/cli.js';
import { hilPiTarget, requires } from './support/hil-target.js';
import { simBenchFixture } from './support/sim-bench-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-campaign-two-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const out = join(dir, 'run');
const DEVICE = 'two-models-pi-sim';
const KEYS = ['lw-r1', 'fusion-r1'];
/** The campaign's steps are bounded by its file (start, push, run margin); the process is killed past this. */
const CAMPAIGN_BOUND_MS = 150_000;

interface Verdict {
  key: string;
  status: string;
  worldSwitches: number;
  counts: { jobs: number; misses: number };
  inference: { relativeL2: number; topAgrees: boolean };
}
interface Analysis {
  plan: { policy: string; models: { slot: number; model: string; units: number }[] };
  simulated: { worldEntries: number };
}
/** `campaign run --resume` once the repetition `key` is undone: its step and its trace gone, as if killed before. */
function resumeWithout(folder: string, key: string) {
  const state = readJson<{ done: Record<string, unknown> }>(join(folder, 'state.json'));
  delete state.done[`run:${key}`];
  writeFileSync(join(folder, 'state.json'), JSON.stringify(state));
  rmSync(join(folder, 'traces', `${key}.rtrace.jsonl`));
  return campaign('run', '--resume', folder);
}
/** The device's slots as `rtinfer models --json` lists them. */
async function listedSlots(pty: string): Promise<{ modelId?: string; sha256?: string; active: boolean }[]> {
  const listed = await rtinfer('models', '--device', pty, '--json');
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout).slots;
}
const sealedRecord = (model: string) => readJson<{ sha256: string; generation: number }>(join(out, 'models', `${model}.${DEVICE}.sealed.json`));

describe('a campaign whose task set names two models, on teesim', () => {
  it('pushes both models sealed and runs LW and FUSION: each task its own model, world switches as planned', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    const run = await campaignProcess(['run', join(examples, 'two-models.yaml'), '--out', out], CAMPAIGN_BOUND_MS).finished;
    expect(run.code, `${run.signal ?? ''}\n${run.stderr}\n${run.stdout}`).toBe(0);
    for (const file of RUN_FOLDER_FILES) expect(existsSync(join(out, file)), file).toBe(true);
    // Both compressed; the first run pushed, the second found both held.
    expect(run.stdout).toMatch(/compress:lenet: compress lenet-5/);
    expect(run.stdout).toMatch(/compress:mlp: compress lenet-300-100/);
    expect(run.stdout).toMatch(/run:lw-r1[^\n]*\n[^\n]*model pushed/);
    expect(run.stdout).toMatch(/run:fusion-r1[^\n]*\n[^\n]*assertions pass/);
    expect(run.stdout).not.toMatch(/run:fusion-r1[^\n]*\n[^\n]*model pushed/);

    // Every model's digests in the environment, beside the device.
    const environment = readJson<{ devices: Record<string, { deviceId: string }>; models: Record<string, { source: string; sha256: string; contentDigest: string; modelId: string; compression: Record<string, unknown> }> }>(join(out, 'environment.json'));
    expect(environment.devices['pi-sim']).toMatchObject({ deviceId: DEVICE });
    expect(Object.keys(environment.models).sort()).toEqual(['lenet', 'mlp']);
    expect(environment.models.lenet).toMatchObject({ source: 'lenet-5', modelId: 'lenet-5', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), contentDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(environment.models.mlp).toMatchObject({ source: 'lenet-300-100', modelId: 'lenet-300-100', compression: { prune: 0.5 }, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Each pushed sealed to this device once: a sealing of its own, at its own generation.
    expect(sealedRecord('lenet').sha256).not.toBe(sealedRecord('mlp').sha256);
    expect(sealedRecord('lenet').generation).not.toBe(sealedRecord('mlp').generation);

    const summary = readJson<{ passed: boolean; tests: number; failures: number; runs: Verdict[]; checks: { passed: boolean }[] }>(join(out, 'summary.json'));
    // 4 assertions a run, and the LW/FUSION ratio.
    expect(summary).toMatchObject({ passed: true, tests: 9, failures: 0 });
    expect(summary.runs.map((verdict) => verdict.key)).toEqual(KEYS);
    const entries: Record<string, number> = {};
    for (const verdict of summary.runs) {
      expect(verdict.status).toBe('checked');
      // Each task released at 0 and 2 s, every job done before the next release: four jobs, none missed.
      expect(verdict.counts).toMatchObject({ jobs: 4, misses: 0 });
      expect(verdict.inference.relativeL2).toBeLessThan(1e-4);
      expect(verdict.inference.topAgrees).toBe(true);
      const analysis = readJson<Analysis>(join(out, 'analysis', `${verdict.key}.json`));
      // One unit list per model, each from its own slot: LeNet-5's 8 layers, LeNet-300-100's 7.
      expect(analysis.plan.models.map(({ model, units }) => [model, units])).toEqual([['lenet', 8], ['mlp', 7]]);
      expect(new Set(analysis.plan.models.map((list) => list.slot)).size).toBe(2);
      // Every enclave entry the two-model plan's simulation predicts, entered and left.
      expect(verdict.worldSwitches, verdict.key).toBe(2 * analysis.simulated.worldEntries);
      entries[verdict.key] = analysis.simulated.worldEntries;
    }
    // LW: one entry per layer of each job (8 + 7, two jobs of each); FUSION fuses the two models' jobs.
    expect(entries['lw-r1']).toBe(2 * (8 + 7));
    expect(entries['fusion-r1']).toBeLessThan(entries['lw-r1']!);
    expect(summary.checks).toEqual([expect.objectContaining({ passed: true })]);
  }, CAMPAIGN_BOUND_MS + 30_000);

  it('the device holds both models, one per slot, each the sealing the campaign recorded; the run\'s model active', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    // The campaign stopped its agent: one more on the same slots and secure storage.
    const agent = await startPiAgent({ deviceId: DEVICE, storage: join(out, 'targets', 'pi-sim.flash'), teeStorageDir: join(out, 'targets', 'pi-sim-tee') });
    try {
      const slots = await listedSlots(agent.pty);
      expect(slots.map((slot) => slot.modelId).sort()).toEqual(['lenet-300-100', 'lenet-5']);
      const slotOf = (modelId: string) => slots.find((slot) => slot.modelId === modelId)!;
      expect(slotOf('lenet-5')).toMatchObject({ active: true, sha256: sealedRecord('lenet').sha256 });
      expect(slotOf('lenet-300-100')).toMatchObject({ active: false, sha256: sealedRecord('mlp').sha256 });
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('--resume after the first run: the second runs again and pushes nothing, the slots holding both', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    const sealed = [sealedRecord('lenet'), sealedRecord('mlp')];
    // As if killed after the first run.
    const resumed = await resumeWithout(out, 'fusion-r1');
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stdout).toMatch(/run:lw-r1[^\n]*recorded before \(resumed\)/);
    expect(resumed.stdout).toMatch(/run:fusion-r1[^\n]*\n[^\n]*assertions pass/);
    expect(resumed.stdout).not.toMatch(/model pushed/);
    expect([sealedRecord('lenet'), sealedRecord('mlp')]).toEqual(sealed);
    expect(events(out).filter((event) => event.event === 'done' && event.step === 'run:fusion-r1')).toHaveLength(2);
  }, CAMPAIGN_BOUND_MS + 30_000);

  it('every trace reads back through the recording reader, and junit.xml validates', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    const traces = readAllTraces(out);
    expect([...traces.keys()].sort()).toEqual(KEYS.map((key) => `${key}.rtrace.jsonl`).sort());
    for (const trace of traces.values()) {
      expect(trace.deviceId).toBe(DEVICE);
      expect(trace.taskset).toMatchObject({ tasks: [{ name: 'camera' }, { name: 'lidar' }] });
      expect(trace.records).toBeGreaterThan(0);
    }
    const validation = await validateJunit(join(out, 'junit.xml'));
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).not.toMatch(/<failure|<error/);
  });
});

describe('runs of one model and of two, in turn, on a running agent', () => {
  let agent: RunningPiAgent | undefined;
  afterAll(async () => {
    await agent?.stop();
  });
  const turns = join(dir, 'turns');

  /** A short LW run of `model` with `taskset` (under examples/campaigns/tasksets). */
  const run = (name: string, model: string, taskset: string, duration: string) =>
    [`  - name: ${name}`, '    target: pi', `    model: ${model}`, '    mode: lw', `    taskset: ${join(examples, 'tasksets', taskset)}`, `    duration: ${duration}`, '    assert:', '      - output-within: 1e-4'];

  it('one model, then both with it active, then both with the other active: no run displaces a model it needs', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    agent = await startPiAgent({ deviceId: `turns-${process.pid}`.slice(0, 32), storage: join(dir, 'turns.flash'), teeStorageDir: join(dir, 'turns-tee') });
    const file = join(dir, 'turns.yaml');
    writeFileSync(
      file,
      [
        'name: turns',
        'targets:',
        `  pi: { device: ${agent.pty} }`,
        'models:',
        '  lenet: { source: lenet-5 }',
        '  mlp: { source: lenet-300-100, compression: { prune: 0.5 } }',
        'runs:',
        ...run('one', 'lenet', 'pi-two-dnn.yaml', '1s'),
        ...run('two', 'lenet', 'pi-two-models.yaml', '2s'),
        // lidar runs mlp, the run's model; camera names lenet-5, lenet's source: lenet.
        ...run('swap', 'mlp', 'pi-two-models.yaml', '2s'),
        '',
      ].join('\n'),
    );
    const result = await campaign('run', file, '--out', turns);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const summary = readJson<{ passed: boolean; runs: Verdict[] }>(join(turns, 'summary.json'));
    expect(summary.passed).toBe(true);
    expect(summary.runs.map((verdict) => [verdict.key, verdict.status])).toEqual([['one-r1', 'checked'], ['two-r1', 'checked'], ['swap-r1', 'checked']]);
    for (const verdict of summary.runs) {
      const analysis = readJson<Analysis>(join(turns, 'analysis', `${verdict.key}.json`));
      expect(verdict.worldSwitches, verdict.key).toBe(2 * analysis.simulated.worldEntries);
      if (verdict.key === 'one-r1') {
        expect(analysis.plan.models).toBeUndefined();
        continue;
      }
      // Each task from its own model's slot, whichever model the run made active.
      expect(analysis.plan.models.map(({ model, units }) => [model, units])).toEqual([['lenet', 8], ['mlp', 7]]);
      expect(new Set(analysis.plan.models.map((list) => list.slot)).size).toBe(2);
      expect(verdict.counts.jobs).toBe(2);
    }
    // Both held at the end, mlp (the last run's) active, each slot the sealing last recorded for it.
    const slots = await listedSlots(agent.pty);
    const sealed = (model: string) => readJson<{ sha256: string }>(join(turns, 'models', `${model}.${agent!.deviceId}.sealed.json`)).sha256;
    expect(slots.find((slot) => slot.modelId === 'lenet-5')).toMatchObject({ active: false, sha256: sealed('lenet') });
    expect(slots.find((slot) => slot.modelId === 'lenet-300-100')).toMatchObject({ active: true, sha256: sealed('mlp') });
  }, CAMPAIGN_BOUND_MS + 30_000);

  it('a model the campaign does not know pushed over lenet and made active: the run of both frees a slot, displacing neither', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    // mlp active, lenet beside it (the campaign above); another model, pushed sealed by hand, lands in lenet's slot.
    const other = join(dir, 'classic.rtm');
    const compressed = await rtinfer('compress', 'lenet-5-classic', '-o', other);
    expect(compressed.code, compressed.stderr).toBe(0);
    const pushed = await rtinfer('push', other, '--device', agent!.pty, '--lab', join(turns, 'lab.yaml'));
    expect(pushed.code, pushed.stderr).toBe(0);
    const models = async () => (await listedSlots(agent!.pty)).map((slot) => [slot.modelId, slot.active]);
    // Its model id is its file's name.
    expect((await models()).sort()).toEqual([['classic', true], ['lenet-300-100', false]]);
    // The run of lenet and mlp again (resumed): mlp is held, but the only slot not active holds it. mlp is made active
    // in place, lenet goes where the other model was.
    const resumed = await resumeWithout(turns, 'two-r1');
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stdout).toMatch(/run:two-r1[^\n]*\n[^\n]*model pushed; assertions pass/);
    expect((await models()).sort()).toEqual([['lenet-300-100', false], ['lenet-5', true]]);
    const verdict = readJson<Verdict>(join(turns, 'verdicts', 'two-r1.json'));
    expect(verdict.status).toBe('checked');
  }, CAMPAIGN_BOUND_MS + 30_000);
});

describe('the two-model example on a bench\'s Pi, through its daemon', () => {
  const sim = simBenchFixture({ prefix: 'campaign-two-models-bench', bench: `two-models-${process.pid}`.slice(0, 32) });

  it('both models pushed sealed by the daemon, the plan made here from both: world switches as the simulator predicts', async (context) => {
    requires(context, hilPiTarget(), ['spawn']);
    const lab = join(sim.dir, 'lab.yaml');
    const provisioned = await rtinfer('provision', '--device', sim.pi.mqtt, '--lab', lab, '--json');
    expect(provisioned.code, provisioned.stdout + provisioned.stderr).toBe(0);
    const file = join(sim.dir, 'two-models-bench.yaml');
    const example = readFileSync(join(examples, 'two-models.yaml'), 'utf8');
    writeFileSync(
      file,
      example
        .replace('  pi-sim: { start: optee-sim }', `  pi-sim: { bench: ${sim.bench}, device: ${sim.pi.deviceId}, broker: "${sim.broker}", lab: ${lab} }`)
        .replaceAll('taskset: tasksets/', `taskset: ${join(examples, 'tasksets')}/`),
    );
    const bench = join(sim.dir, 'out');
    const result = await campaign('run', file, '--out', bench);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/run:lw-r1[^\n]*\n[^\n]*model pushed/);
    for (const model of ['lenet', 'mlp']) expect(existsSync(join(bench, 'models', `${model}.${sim.pi.deviceId}.sealed.json`)), model).toBe(true);
    const summary = readJson<{ passed: boolean; runs: Verdict[] }>(join(bench, 'summary.json'));
    expect(summary.passed).toBe(true);
    for (const verdict of summary.runs) {
      const analysis = readJson<Analysis>(join(bench, 'analysis', `${verdict.key}.json`));
      expect(analysis.plan.models.map(({ model, units }) => [model, units])).toEqual([['lenet', 8], ['mlp', 7]]);
      expect(verdict.counts).toMatchObject({ jobs: 4, misses: 0 });
      expect(verdict.worldSwitches, verdict.key).toBe(2 * analysis.simulated.worldEntries);
    }
  }, CAMPAIGN_BOUND_MS + 30_000);
});

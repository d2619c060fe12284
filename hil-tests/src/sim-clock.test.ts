// The sim's device clock (rtinfer-sim --clock). The host stops the sim outright (SIGSTOP) for 300 ms in the
// middle of a periodic run, as a loaded machine deschedules it, only longer. On the wall clock that is 300 ms of
// device time: jobs run late and miss. On the cpu clock it is no time at all: every job meets its deadline, and
// the run still releases every job its duration implies (the host ends it when the device's clock says so).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compressToContainer, DeviceSession, pushModel, runPeriodic, SerialTransport, type SimClock, startSim, structuredInputs, TRACE_JOBS, zooModel } from 'rtinfer';
import { describe, expect, it } from 'vitest';

const PERIOD_US = 50_000; // far above LeNet-5's CPU time, even in the sanitizer build
const DURATION_US = 2_000_000;
const STOP_AFTER_MS = 200; // after the run's first TRACE batch: well inside the run, however slow the set-up was
const STOPPED_MS = 300; // longer than a period and its deadline

/** A periodic run on a fresh sim with `clock`, the sim stopped for STOPPED_MS part-way through. */
async function runWithStall(clock: SimClock) {
  const dir = mkdtempSync(join(tmpdir(), 'rtinfer-sim-clock-'));
  const sim = await startSim({ deviceId: `clock-${clock}-${process.pid}`, storage: join(dir, 'flash.bin'), clock });
  try {
    expect(sim.clock).toBe(clock);
    const session = await DeviceSession.connect(new SerialTransport({ path: sim.pty }));
    try {
      const graph = zooModel('lenet-5-classic');
      await pushModel(session, compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, 1)).container, { modelId: graph.name });
      let stall: Promise<void> | undefined;
      const stallOnce = () => {
        stall ??= (async () => {
          await sleep(STOP_AFTER_MS);
          process.kill(sim.pid, 'SIGSTOP');
          await sleep(STOPPED_MS);
          process.kill(sim.pid, 'SIGCONT');
        })();
      };
      const tasks = [{ task: 0, periodUs: PERIOD_US, deadlineUs: PERIOD_US, mode: 'dense' as const }];
      const run = await runPeriodic(session, { tasks, durationUs: DURATION_US, trace: TRACE_JOBS, onBatch: stallOnce });
      expect(stall, 'the run sent no TRACE batch to time the stop by').toBeDefined();
      await stall;
      return run.summary;
    } finally {
      await session.close();
    }
  } finally {
    expect(await sim.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('rtinfer-sim --clock, with the sim stopped for 300 ms during a run', () => {
  const jobs = DURATION_US / PERIOD_US;

  it('cpu: the stop is not on the device clock; every job is released, runs and meets its deadline', async () => {
    const summary = await runWithStall('cpu');
    expect(summary).toMatchObject({ released: jobs, completed: jobs, missed: 0, dropped: 0 });
  }, 60_000);

  it('wall (the default): the stop is 300 ms of device time, and jobs miss their deadlines', async () => {
    const summary = await runWithStall('wall');
    expect(summary).toMatchObject({ released: jobs, dropped: 0 });
    expect(summary.missed).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

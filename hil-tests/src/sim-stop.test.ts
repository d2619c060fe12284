// `rtinfer sim stop`: a registered sim is sent SIGTERM and the command returns once it has exited; a name no
// running sim has, or neither a name nor --all, is a typed error with exit status 2.
import { listRunningSims, type RunningSim, startSim } from 'rtinfer';
import { afterAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';

const started: RunningSim[] = [];

afterAll(async () => {
  await Promise.all(started.map((sim) => sim.stop()));
});

describe('rtinfer sim stop', () => {
  it('stops a running sim by its device id: it exits with 0 and leaves the registry', async () => {
    const sim = await startSim({ deviceId: `stop-${process.pid}`, register: true });
    started.push(sim);
    expect(listRunningSims().map((record) => record.deviceId)).toContain(sim.deviceId);
    const stopped = await rtinfer('sim', 'stop', sim.deviceId, '--json');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toEqual({ stopped: [{ deviceId: sim.deviceId, pid: sim.pid }] });
    expect(await sim.exited).toBe(0);
    expect(listRunningSims().map((record) => record.deviceId)).not.toContain(sim.deviceId);
  });

  it('refuses a name no running sim has, listing the running ones', async () => {
    const other = await startSim({ deviceId: `stay-${process.pid}`, register: true });
    started.push(other);
    const refused = await rtinfer('sim', 'stop', `no-such-${process.pid}`);
    expect(refused.code).toBe(2);
    const message = unwrapped(refused.stderr);
    expect(message).toMatch(new RegExp(`no running sim is named no-such-${process.pid} \\(running: .*stay-${process.pid}`));
    expect(message).toContain('Code: sim_not_running');
    expect(listRunningSims().map((record) => record.deviceId)).toContain(other.deviceId);
  });

  it('wants one name or --all', async () => {
    const refused = await rtinfer('sim', 'stop');
    expect(refused.code).toBe(2);
    expect(unwrapped(refused.stderr)).toContain('Code: bad_flag');
  });
});

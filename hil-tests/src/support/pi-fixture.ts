// The setup every Pi HIL suite shares: a temp folder, the CLI's sealing cache (XDG_CACHE_HOME) inside it, a Pi
// target started in it, lenet-5 compressed (and, if asked, provisioned to a lab file and pushed sealed), all undone
// after the suite. piFixture registers its own beforeAll/afterAll; the suite reads pi.dir, pi.lab, pi.model, pi.agent
// inside its tests (they are set once beforeAll has run).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HostBody } from '@rtinfer/protocol';
import { DeviceError, type DeviceSession, type RunningPiAgent, startPiAgent } from 'rtinfer';
import { afterAll, beforeAll, expect } from 'vitest';
import { rtinfer } from './cli.js';
import { attachPiLogsOnFailure, type PiTargetOptions, piTargetStartMs, startPiTarget } from './pi-target.js';

/**
 * Under npm test the sims are the sanitizer build (RTINFER_SIM_BIN): the agent beside it is too. Called on import
 * as well, so that every suite importing this module starts that agent, through the fixture or directly.
 */
export function useAgentBesideSim(): void {
  const simBin = process.env.RTINFER_SIM_BIN;
  if (!process.env.RTINFER_AGENT_BIN && simBin && existsSync(join(dirname(simBin), 'rtinfer-agent'))) process.env.RTINFER_AGENT_BIN = join(dirname(simBin), 'rtinfer-agent');
}
useAgentBesideSim();

/**
 * Points environment variables into a suite's folder; the function returned puts back what they were (deleting the
 * ones that were unset).
 */
export function redirectEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Runs rtinfer commands one after another, each of which must succeed (its output in the failure message). */
export async function rtinferAll(...commands: string[][]): Promise<void> {
  for (const args of commands) {
    const result = await rtinfer(...args);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }
}

/** The JSON lines a `--json` command printed (rtinfer run: the plan first, the summary last). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export interface PiFixtureOptions {
  /** The temp folder is rtinfer-<prefix>-XXXXXX; the device id <deviceId ?? prefix>-<pid>. */
  prefix: string;
  deviceId?: string;
  /**
   * 'target' (default): startPiTarget, teesim or OP-TEE under QEMU as RTINFER_HIL_PI_TARGET says, the logs attached
   * to a failing test. 'teesim': always rtinfer-agent with teesim (startPiAgent).
   */
  start?: 'target' | 'teesim';
  /** More options for startPiTarget, given the suite's folder (e.g. a scratch disk made there first). */
  target?: (dir: string) => Partial<PiTargetOptions>;
  /** Compress lenet-5 to pi.model (default true). */
  compress?: boolean;
  /** Provision the target to pi.lab (its TA key pinned); push implies it. */
  provision?: boolean;
  /** Push pi.model sealed to the target. */
  push?: boolean;
  /** Bound on beforeAll; the default: piTargetStartMs(), plus 120 s when it pushes. */
  timeoutMs?: number;
  /** afterAll expects the agent to exit with status 0. */
  expectCleanExit?: boolean;
}

export interface PiFixture {
  dir: string;
  lab: string;
  model: string;
  agent: RunningPiAgent;
}

export function piFixture(options: PiFixtureOptions): PiFixture {
  const pi = {} as PiFixture;
  let restoreEnv: (() => void) | undefined;
  const provision = options.provision === true || options.push === true;
  beforeAll(
    async () => {
      pi.dir = mkdtempSync(join(tmpdir(), `rtinfer-${options.prefix}-`));
      // The CLI's sealing cache goes with the test (the CLI processes inherit it).
      restoreEnv = redirectEnv({ XDG_CACHE_HOME: join(pi.dir, 'cache') });
      pi.lab = join(pi.dir, 'lab.yaml');
      pi.model = join(pi.dir, 'lenet-5.rtm');
      const deviceId = `${options.deviceId ?? options.prefix}-${process.pid}`;
      pi.agent =
        options.start === 'teesim'
          ? await startPiAgent({ deviceId, storage: join(pi.dir, 'slots.flash'), teeStorageDir: join(pi.dir, 'tee') })
          : await startPiTarget({ deviceId, dir: pi.dir, ...options.target?.(pi.dir) });
      const steps: string[][] = [];
      if (options.compress !== false) steps.push(['compress', 'lenet-5', '-o', pi.model]);
      if (provision) steps.push(['provision', '--device', pi.agent.pty, '--lab', pi.lab]);
      if (options.push) steps.push(['push', pi.model, '--device', pi.agent.pty, '--lab', pi.lab]);
      await rtinferAll(...steps);
    },
    options.timeoutMs ?? piTargetStartMs() + (options.push ? 120_000 : 0),
  );
  if (options.start !== 'teesim') attachPiLogsOnFailure(() => pi.agent);
  afterAll(async () => {
    const code = await pi.agent?.stop();
    restoreEnv?.();
    if (pi.dir) rmSync(pi.dir, { recursive: true, force: true });
    if (options.expectCleanExit) expect(code).toBe(0);
  });
  return pi;
}

/** The CLI with extra environment variables (rtinfer() passes this process's environment on), put back after. */
export async function rtinferWithEnv(env: Record<string, string>, ...args: string[]): ReturnType<typeof rtinfer> {
  const restore = redirectEnv(env);
  try {
    return await rtinfer(...args);
  } finally {
    restore();
  }
}

/**
 * `rtinfer infer --check --json` on a device: it exits 0 and its output agrees with the host reference (same top
 * class, relative L2 error under 1e-4). Returns the parsed result for the caller's further checks.
 */
export async function expectInferAsReference(device: string, model: string): Promise<{ entries: number; layers: unknown[] }> {
  const inferred = await rtinfer('infer', '--device', device, '--model', model, '--check', '--json');
  expect(inferred.code, inferred.stderr).toBe(0);
  const result = JSON.parse(inferred.stdout);
  expect(result.check.topAgrees).toBe(true);
  expect(result.check.relativeL2).toBeLessThan(1e-4);
  return result;
}

/** Sends a TASKSET the agent must refuse; returns its typed refusal, once a PING has shown the agent still answers. */
export async function refusedTaskset(session: DeviceSession, body: HostBody<'TASKSET'>): Promise<DeviceError> {
  const error = await session.request('TASKSET', body, { retries: 0 }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeviceError);
  const ping = await session.request('PING', { t1: 42n });
  expect(ping.body.t1).toBe(42n);
  return error as DeviceError;
}

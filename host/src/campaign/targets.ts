// A campaign's targets: one it starts (host/src/sim's starters: the POSIX sim with the device clock on its CPU time,
// the netduinoplus2 or mps2-an500 image in QEMU, a simulated Pi, the Pi half in OP-TEE under QEMU) or a device that
// runs. A target is opened when a step first needs it; a target that dropped out is closed and, if the campaign started
// it, started again on the same storage (its slots and its TA's key survive), so a retry finds its model there.
import { join } from 'node:path';
import { HelloWant } from '@rtinfer/protocol';
import { BenchClient } from '../daemon/bench-client.js';
import { benchDeviceRow, requireHello } from '../daemon/bench-tee.js';
import { resolveBroker } from '../daemon/cli-support.js';
import { openSession } from '../device/open-session.js';
import type { DeviceSession } from '../device/session.js';
import { provisionTeeKey } from '../device/tee-provision.js';
import { isTeeDevice } from '../device/tee-key.js';
import { startOpteeQemu } from '../sim/optee-qemu.js';
import { startPiAgent } from '../sim/pi-agent.js';
import { startSim } from '../sim/posix-sim.js';
import { startQemu } from '../sim/qemu.js';
import { benchDevice, type CampaignDevice, sessionDevice } from './campaign-device.js';
import type { CampaignTarget } from './campaign-spec.js';
import type { RunFolder } from './run-folder.js';

interface Started {
  path: string;
  stop(): Promise<unknown>;
}

export class TargetHandle {
  private started: Started | undefined;
  private current: DeviceSession | undefined;
  private bench: { client: BenchClient; device: CampaignDevice; labFile: string | undefined } | undefined;
  /** How many times this campaign started the target (a restart after a drop-out counts). */
  starts = 0;

  constructor(
    readonly target: CampaignTarget,
    private readonly folder: RunFolder,
    /** A device id for the targets this campaign starts: unique to the campaign, stable across resumes. */
    private readonly deviceId: string,
  ) {}

  /** The lab file TEE keys are pinned in: the campaign's own (never the user's lab config); a bench's devices are
   * pinned in the bench's lab config, as for `rtinfer push --bench`. */
  get labFile(): string {
    return this.bench?.labFile ?? this.folder.path('lab.yaml');
  }

  async device(): Promise<CampaignDevice> {
    if (this.target.kind !== 'bench') return sessionDevice(await this.session());
    if (this.bench) return this.bench.device;
    const { bench, device, broker, lab } = this.target;
    const { access, lab: labConfig } = resolveBroker({ ...(broker !== undefined ? { broker } : {}), ...(lab !== undefined ? { lab } : {}) }, bench);
    const client = await BenchClient.connect(access);
    try {
      await client.requireBench(bench);
      const row = await benchDeviceRow(client, bench, device);
      requireHello(bench, row);
      this.bench = { client, device: benchDevice(client, access, bench, row), labFile: labConfig?.file };
      return this.bench.device;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  private async session(): Promise<DeviceSession> {
    if (this.current) return this.current;
    if (this.target.kind === 'bench') throw new Error('a bench target has no session here');
    const spec = this.target.kind === 'device' ? this.target.device : (this.started ??= await this.start()).path;
    // HELLO's want bit asks a TEE device for its TA key; a device without a TEE ignores it.
    const { session } = await openSession(spec, { helloWant: HelloWant.TEE_KEY });
    if (isTeeDevice(session.info)) {
      try {
        // A target this campaign started may boot with a new TA key (OP-TEE under QEMU does): its pin is ours to replace.
        provisionTeeKey(session, this.labFile, { replaceKey: this.target.kind === 'start' });
      } catch (error) {
        await session.close();
        throw error;
      }
    }
    this.current = session;
    // A link that closes (the device went away) is opened afresh by the next step that needs it.
    session.on('closed', () => {
      if (this.current === session) this.current = undefined;
    });
    return session;
  }

  private async start(): Promise<Started> {
    if (this.target.kind !== 'start') throw new Error('not a started target');
    this.starts++;
    const storage = this.folder.path('targets', `${this.target.name}.flash`);
    switch (this.target.start) {
      case 'sim': {
        const sim = await startSim({ deviceId: this.deviceId, storage, clock: 'cpu' });
        return { path: sim.pty, stop: () => sim.stop() };
      }
      case 'optee-sim': {
        const agent = await startPiAgent({ deviceId: this.deviceId, storage, teeStorageDir: this.folder.path('targets', `${this.target.name}-tee`) });
        return { path: agent.pty, stop: () => agent.stop() };
      }
      case 'qemu':
      case 'qemu-m7': {
        // -icount: the board's SysTick counts executed instructions, so a loaded host bends no job's response time.
        const qemu = await startQemu({ machine: this.target.start === 'qemu' ? 'netduinoplus2' : 'mps2-an500', icount: true });
        return { path: qemu.path, stop: () => qemu.stop() };
      }
      case 'optee-qemu': {
        const optee = await startOpteeQemu({ deviceId: this.deviceId, logDir: join(this.folder.dir, 'targets', `${this.target.name}-logs`) });
        return { path: optee.pty, stop: () => optee.stop() };
      }
    }
  }

  /** After a drop-out: close the session and stop what we started, so that the next session() starts afresh. */
  async reset(): Promise<void> {
    const bench = this.bench;
    this.bench = undefined;
    await bench?.client.close().catch(() => undefined);
    const session = this.current;
    this.current = undefined;
    await session?.close().catch(() => undefined);
    const started = this.started;
    this.started = undefined;
    await started?.stop().catch(() => undefined);
  }

  /** For tests and faults: the started target's process, to kill. */
  get startedPath(): string | undefined {
    return this.started?.path;
  }

  close(): Promise<void> {
    return this.reset();
  }
}

// The simulated bench of `rtinfer sim start --bench`: N POSIX sims and M simulated Pis (rtinfer-agent with the TA
// in teesim) on ptys, a broker (the embedded Aedes unless one is given) and a daemon serving them.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HEALTH_INTERVAL_MS, DEFAULT_RECONNECT, type LabBench } from '../lab/lab-config.js';
import { startPiAgent } from '../sim/pi-agent.js';
import { type RunningSim, startSim } from '../sim/posix-sim.js';
import type { SimClock } from '../sim/sim-registry.js';
import { type RunningBroker, startAedesBroker } from '../transport/mqtt/brokers.js';
import { BenchDaemon, type BenchDaemonOptions } from './bench-daemon.js';
import { checkBenchName } from './bench-topics.js';

export interface SimBenchOptions {
  bench: string;
  /** STM32 sims (rtinfer-sim). */
  count: number;
  /** Simulated Pis (rtinfer-agent + teesim), on their ptys like the STM32 sims; each keeps its TA key in its own secure storage (piStorageDir). */
  piCount?: number;
  /** A running broker; default: start Aedes on a free loopback port. */
  brokerUrl?: string;
  maxFrame?: number;
  baud?: number;
  /** Every sim's device clock (rtinfer-sim --clock); default wall. */
  clock?: SimClock;
  log?: BenchDaemonOptions['log'];
}

export interface SimBench {
  bench: string;
  brokerUrl: string;
  embeddedBroker: boolean;
  sims: RunningSim[];
  daemon: BenchDaemon;
  stop(): Promise<void>;
}

export async function startSimBench(options: SimBenchOptions): Promise<SimBench> {
  const bench = checkBenchName(options.bench);
  const sims: RunningSim[] = [];
  let broker: RunningBroker | undefined;
  const stopAll = async () => {
    await Promise.all(sims.map((sim) => sim.stop()));
    await broker?.stop();
  };
  try {
    for (let index = 1; index <= options.count; index++) {
      sims.push(await startSim({ deviceId: `${bench}-sim-${index}`.slice(0, 32), maxFrame: options.maxFrame, baud: options.baud, clock: options.clock, register: true }));
    }
    for (let index = 1; index <= (options.piCount ?? 0); index++) {
      const deviceId = `${bench}-pi-${index}`.slice(0, 32);
      sims.push(await startPiAgent({ deviceId, teeStorageDir: piStorageDir(deviceId), ...(options.maxFrame !== undefined ? { maxFrame: options.maxFrame } : {}), register: true }));
    }
    broker = options.brokerUrl === undefined ? await startAedesBroker() : undefined;
    const brokerUrl = options.brokerUrl ?? broker!.url;
    const config: LabBench = { name: bench, devices: sims.map((sim) => ({ id: sim.deviceId, source: { kind: 'serial', path: sim.pty } })), discover: [] };
    const daemon = await BenchDaemon.start({
      bench: config,
      broker: { url: brokerUrl },
      reconnect: DEFAULT_RECONNECT,
      healthIntervalMs: DEFAULT_HEALTH_INTERVAL_MS,
      ...(options.log ? { log: options.log } : {}),
    });
    return {
      bench,
      brokerUrl,
      embeddedBroker: broker !== undefined,
      sims,
      daemon,
      async stop() {
        await daemon.stop();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * A bench Pi's teesim storage: one per device id, because the TA binds its key pair to the device id it was made for
 * and refuses to open under another (two Pis sharing teesim's default storage cannot both start). Kept across runs,
 * so a restarted bench's Pis keep their keys and pins.
 */
export function piStorageDir(deviceId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'rtinfer', 'pi-sims', deviceId);
}

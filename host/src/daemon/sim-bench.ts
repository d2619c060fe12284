// The simulated bench of `rtinfer sim start --bench`: N POSIX sims on ptys and M simulated Pis (rtinfer-agent with
// the TA in teesim) on the broker, as a lab's Pis are (the embedded Aedes unless one is given), and a daemon serving
// them. A Pi on the broker can be provisioned straight (rtinfer provision --device mqtt://<broker>/<id>) while the
// daemon serves it, and then takes sealed pushes through the daemon.
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
  /** Simulated Pis (rtinfer-agent + teesim), on the broker; each keeps its TA key in its own secure storage (piStorageDir). */
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
  // The sims first: a Pi says goodbye (its retained status) on the broker.
  const stopAll = async () => {
    await Promise.all(sims.map((sim) => sim.stop()));
    await broker?.stop();
  };
  try {
    broker = options.brokerUrl === undefined ? await startAedesBroker() : undefined;
    const brokerUrl = options.brokerUrl ?? broker!.url;
    for (let index = 1; index <= options.count; index++) {
      sims.push(await startSim({ deviceId: `${bench}-sim-${index}`.slice(0, 32), maxFrame: options.maxFrame, baud: options.baud, clock: options.clock, register: true }));
    }
    const pis = new Set<string>();
    for (let index = 1; index <= (options.piCount ?? 0); index++) {
      const deviceId = `${bench}-pi-${index}`.slice(0, 32);
      pis.add(deviceId);
      // On the broker the agent does not serve its pty: not registered, so --device <id> does not lead there.
      sims.push(await startPiAgent({ deviceId, teeStorageDir: piStorageDir(deviceId), ...(options.maxFrame !== undefined ? { maxFrame: options.maxFrame } : {}), mqtt: brokerUrl }));
    }
    const config: LabBench = {
      name: bench,
      devices: sims.map((sim) => ({ id: sim.deviceId, source: pis.has(sim.deviceId) ? { kind: 'mqtt', deviceId: sim.deviceId } : { kind: 'serial', path: sim.pty } })),
      discover: [],
    };
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

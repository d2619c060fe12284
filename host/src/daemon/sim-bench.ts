// The simulated bench of `rtinfer sim start --bench`: N POSIX sims on ptys, a
// broker (the embedded Aedes unless one is given) and a daemon serving them.
import { DEFAULT_HEALTH_INTERVAL_MS, DEFAULT_RECONNECT, type LabBench } from '../lab/lab-config.js';
import { type RunningSim, startSim } from '../sim/posix-sim.js';
import type { SimClock } from '../sim/sim-registry.js';
import { type RunningBroker, startAedesBroker } from '../transport/mqtt/brokers.js';
import { BenchDaemon, type BenchDaemonOptions } from './bench-daemon.js';
import { checkBenchName } from './bench-topics.js';

export interface SimBenchOptions {
  bench: string;
  count: number;
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

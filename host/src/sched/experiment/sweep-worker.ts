// Worker thread of a schedulability sweep: plans the networks once, then runs the points it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { Platform } from '../task-model.js';
import { planSweepNetwork, runSweepPoint, type SweepNetwork, type SweepPoint } from './sweep-point.js';

const { platform, networks } = workerData as { platform: Platform; networks: Record<string, SweepNetwork[]> };
const planned = new Map(Object.entries(networks).map(([generator, list]) => [generator, list.map((network) => planSweepNetwork(network, platform.enclaveCapacity, platform.memoryModel))]));

parentPort!.on('message', (point: SweepPoint | null) => {
  if (point === null) {
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(runSweepPoint(point, planned.get(point.generator)!, platform));
});

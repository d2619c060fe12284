// Worker thread of a schedulability sweep: plans the networks once, then runs the points it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { cortexA53Enclave } from '../cost-model.js';
import type { Platform } from '../task-model.js';
import type { ZooNetworkName } from '../zoo-shapes.js';
import { planNetwork, runSweepPoint, type SweepPoint } from './sweep-point.js';

const { platform, networks } = workerData as { platform: Platform; networks: Record<string, ZooNetworkName[]> };
const planned = new Map(Object.entries(networks).map(([generator, names]) => [generator, names.map((name) => planNetwork(name, platform.enclaveCapacity, cortexA53Enclave, platform.memoryModel))]));

parentPort!.on('message', (point: SweepPoint | null) => {
  if (point === null) {
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(runSweepPoint(point, planned.get(point.generator)!, platform));
});

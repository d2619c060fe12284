// Runs a schedulability sweep on worker threads (one per core by default), seeded per point so results do
// not depend on the number of workers or the order points finish in.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Platform } from '../task-model.js';
import { zooNetworkNames, type ZooNetworkName } from '../zoo-shapes.js';
import { paperAcceptance } from './paper-results.js';
import type { GeneratorName, SweepNetwork, SweepPoint, SweepPointResult } from './sweep-point.js';
import { RtinferError } from '../../errors.js';

export const generatorNames: GeneratorName[] = ['paper', 'uunifast', 'paper-mix', 'uunifast-mix'];

export const generatorTitles: Record<GeneratorName, string> = {
  paper: "authors' rule (integer periods in [1, 96] s, redraw until U matches ±0.005), one DNN",
  uunifast: 'UUniFast-discard, log-uniform periods in [1, 96] s, one DNN (WCETs scaled to each share)',
  'paper-mix': "authors' rule, each task a random zoo DNN (AlexNet-squeezed, Tiny Darknet, YOLOv3-tiny)",
  'uunifast-mix': 'UUniFast-discard, log-uniform periods, each task a random zoo DNN (WCETs scaled)',
};

export interface SweepConfig {
  generators: GeneratorName[];
  tasks: number[];
  count: number;
  seed: number;
  network: ZooNetworkName | string;
  platform: Platform;
  workers?: number;
  /** Measured networks (profiles): single-network generators run the one named `network`, the mixes run them all. Without: the zoo networks and the cost model. */
  measured?: SweepNetwork[];
}

/** What each generator's tasks draw from. */
export function sweepNetworks(config: Pick<SweepConfig, 'generators' | 'network' | 'measured'>): Record<string, SweepNetwork[]> {
  const all: SweepNetwork[] = config.measured?.length ? config.measured : zooNetworkNames.map((name) => ({ name }));
  const single = all.filter((network) => network.name === config.network);
  if (single.length !== 1) throw new RtinferError('unknown_network', `no network "${config.network}" to run (have: ${all.map((network) => network.name).join(', ')})`, { network: String(config.network), have: all.map((network) => network.name).join(', ') });
  return Object.fromEntries(config.generators.map((generator) => [generator, generator.endsWith('-mix') ? all : single]));
}

/** The paper's utilisation points for n tasks (the union of its table's columns when n is not in it). */
export function utilisationPoints(tasks: number): number[] {
  const row = paperAcceptance.find((candidate) => candidate.tasks === tasks);
  if (row) return row.utilisation;
  return [...new Set(paperAcceptance.flatMap((candidate) => candidate.utilisation))].sort((a, b) => a - b);
}

export function sweepPoints(config: SweepConfig): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const generator of config.generators) {
    for (const tasks of config.tasks) {
      for (const utilisation of utilisationPoints(tasks)) {
        // A distinct, reproducible seed per point.
        const seed = (config.seed * 1_000_003 + generatorNames.indexOf(generator) * 10_007 + tasks * 101 + Math.round(utilisation * 1000)) >>> 0;
        points.push({ generator, tasks, utilisation, count: config.count, seed });
      }
    }
  }
  return points;
}

/** The worker: plain JS from dist; from the sources (tsx, vitest) a bootstrap that registers tsx's loader first. */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sweep-worker.js', import.meta.url), { workerData });
  const tsxPackage = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxPackage, 'dist', 'esm', 'api', 'index.mjs')).href;
  const worker = new URL('./sweep-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); });`, { eval: true, workerData });
}

export async function runSweep(config: SweepConfig, onProgress: (done: number, total: number) => void = () => {}): Promise<SweepPointResult[]> {
  const points = sweepPoints(config);
  const networks = sweepNetworks(config);
  const workerCount = Math.max(1, Math.min(config.workers ?? availableParallelism(), points.length));
  const results: SweepPointResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: workerCount }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = startWorker({ platform: config.platform, networks });
        const feed = () => worker.postMessage(next < points.length ? points[next++]! : null);
        worker.on('message', (result: SweepPointResult) => {
          results.push(result);
          onProgress(results.length, points.length);
          feed();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sweep worker exited with code ${code}`))));
        feed();
      }),
    ),
  );
  const order = (point: SweepPoint) => `${generatorNames.indexOf(point.generator)}:${String(1000 - point.tasks).padStart(4, '0')}:${point.utilisation.toFixed(3)}`;
  return results.sort((a, b) => order(a).localeCompare(order(b)));
}

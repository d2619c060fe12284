// The bench's task set: EDF over three tasks with ten enclave layers per job
// (43 events per job, ~73,000 events per device second); every tenth detector
// job runs 4.5 ms of layers instead of 0.8 ms, so misses happen and cascade.
import type { SyntheticTraceOptions } from '../../host/src/trace/synthetic/periodic-trace.js';

const layers = (us: number) => Array.from({ length: 10 }, () => us);
export const benchTaskset: Pick<SyntheticTraceOptions, 'tasks' | 'policy'> = {
  policy: 'edf',
  tasks: [
    { task: 0, name: 'control', periodUs: 1000, deadlineUs: 1000, budgetUs: 250, layersUs: layers(20), enclave: true },
    { task: 1, name: 'fusion', periodUs: 2000, deadlineUs: 2000, budgetUs: 500, layersUs: layers(40), enclave: true },
    { task: 2, name: 'detector', periodUs: 5000, deadlineUs: 5000, budgetUs: 1000, layersUs: layers(80), layersFor: (job) => (job % 10 === 9 ? layers(450) : layers(80)), enclave: true },
  ],
};


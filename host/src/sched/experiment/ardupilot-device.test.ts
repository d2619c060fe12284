import type { DeviceBody } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import type { ReceivedTrace } from '../../device/periodic-run.js';
import { zooModel } from '../../model/zoo/index.js';
import { idleReleaseLateness, measuredLayerTimes, scenarioTasks } from './ardupilot-device.js';

const RELEASE = 1, START = 2, END = 3, LAYER_START = 4, LAYER_END = 5, MISS = 12;
const GHZ = 1e9;

function batch(events: [kind: number, task: number, job: number, ticksNs: number, arg?: number][]): ReceivedTrace {
  return { receivedNs: 0n, body: { batch: 0, events: events.map(([kind, task, job, ticks, arg = 0]) => [kind, task, job, BigInt(ticks), BigInt(arg)]) } as unknown as DeviceBody<'TRACE'> };
}

describe('the case study on a device', () => {
  it("its control task is ArduCopter's fast loop as normal-world work, beside one DNN task", () => {
    const [control, dnn] = scenarioTasks({ dnnPeriodUs: 200_000, fastLoopWcetUs: 600 });
    expect(control).toMatchObject({ task: 0, periodUs: 2500, deadlineUs: 2500, policy: 'normal', workUs: 600 });
    expect(dnn).toMatchObject({ task: 1, periodUs: 200_000, deadlineUs: 200_000 });
  });

  it('layer times: the longest start→end of each graph layer, the warm-up job left out', () => {
    const graph = zooModel('lenet-5');
    const times = measuredLayerTimes([
      batch([[LAYER_START, 1, 0, 0, 0], [LAYER_END, 1, 0, 90_000_000, 0]]), // warm-up: 90 ms, not counted
      batch([[LAYER_START, 1, 1, 0, 0], [LAYER_END, 1, 1, 1_200_500, 0], [LAYER_START, 1, 1, 2_000_000, 1], [LAYER_END, 1, 1, 2_300_000, 1]]),
      batch([[LAYER_START, 1, 2, 0, 0], [LAYER_END, 1, 2, 1_000_000, 0]]),
    ], graph, GHZ);
    expect(Object.fromEntries(times)).toEqual({ [graph.layers[0]!.name]: 1201, [graph.layers[1]!.name]: 300 });
  });

  it('wake-up lateness: only releases that found nothing in flight count; a dropped unstarted job leaves the set', () => {
    const late = idleReleaseLateness([
      batch([
        [RELEASE, 0, 0, 1_000_000], [START, 0, 0, 1_040_000], [END, 0, 0, 1_700_000], // idle: 40 µs
        [RELEASE, 1, 0, 2_000_000], [START, 1, 0, 2_010_000],
        [RELEASE, 0, 1, 3_500_000], [START, 0, 1, 4_000_000], [END, 0, 1, 4_600_000], // the DNN job was in flight
        [END, 1, 0, 5_000_000],
        [RELEASE, 1, 1, 6_000_000], [MISS, 1, 1, 6_000_000], // dropped unstarted
        [RELEASE, 0, 2, 7_000_000], [START, 0, 2, 7_025_000], [END, 0, 2, 7_500_000], // idle again: 25 µs
      ]),
    ], 0, GHZ);
    expect(late).toEqual([40, 25]);
  });
});

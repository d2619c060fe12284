import { describe, expect, it } from 'vitest';
import { policyTitles, type Policy } from '../task-model.js';
import { checkShape, formatBand, formatShapeCheck, fusionLwBand } from './paper-shape.js';
import { paperAcceptance } from './paper-results.js';
import { runSweep } from './run-sweep.js';
import { planLayers, planNetwork, runSweepPoint } from './sweep-point.js';
import { chartSpec, paperComparison, paperSource, type AcceptanceRow } from './sweep-report.js';
import { zooLayerProfiles } from '../layer-profiles.js';

const row = (tasks: number, utilisation: number, policy: Policy, simulationPercent: number, analysisPercent = simulationPercent): AcceptanceRow => ({
  generator: 'paper', tasks, utilisation, policy, memoryModel: 'full', tasksets: 100, analysisPercent, simulationPercent, meanWorldSwitches: 0,
});
const point = (tasks: number, utilisation: number, lw: number, greedy: number, ours: number, noTee = 100) => [
  row(tasks, utilisation, 'lw', lw), row(tasks, utilisation, 'fusion-greedy', greedy), row(tasks, utilisation, 'fusion-budget', ours), row(tasks, utilisation, 'no-tee', noTee),
];

describe('the paper\'s points on our charts', () => {
  it('draws the paper\'s LW, FUSION and no-TEE points for the same n on the same axes, in the colours of the matching policies, with legends never cut short', () => {
    const rows = [...point(15, 0.55, 40, 60, 70), ...point(15, 0.6, 10, 30, 50)];
    const spec = chartSpec(rows, 'n = 15', { paper: 15, subtitle: ['WCETs: measured (tiny-darknet)'] }) as any;
    expect(spec.layer).toHaveLength(2);
    const [ours, paper] = spec.layer;
    expect(ours.encoding.x.field).toBe(paper.encoding.x.field);
    expect(ours.encoding.y).toEqual(paper.encoding.y);
    const paperRow = paperAcceptance.find((candidate) => candidate.tasks === 15)!;
    expect(paper.data.values).toHaveLength(3 * paperRow.utilisation.length);
    // U = 55%: the paper's 42 / 51 / 100, as LW, the greedy and no TEE.
    const at55 = paper.data.values.filter((value: { utilisation: number }) => value.utilisation === 55);
    expect(at55).toEqual([
      { utilisation: 55, percent: 42, policy: policyTitles.lw, source: paperSource },
      { utilisation: 55, percent: 51, policy: policyTitles['fusion-greedy'], source: paperSource },
      { utilisation: 55, percent: 100, policy: policyTitles['no-tee'], source: paperSource },
    ]);
    // One colour scale for both layers, and no legend label or title truncated.
    expect(paper.encoding.color).toEqual(ours.encoding.color);
    expect(ours.encoding.color.legend.labelLimit).toBe(0);
    expect(paper.encoding.shape.legend.labelLimit).toBe(0);
    expect(paper.mark).toMatchObject({ type: 'point', filled: true });
    expect(paper.encoding.shape.scale.range).toEqual(['diamond']);
    expect(spec.config.legend).toEqual({ labelLimit: 0, titleLimit: 0 });
    expect(spec.title.subtitle).toEqual(["lines: ours (solid: simulation, dashed: analysis); diamonds: the paper's points", 'WCETs: measured (tiny-darknet)']);
    expect(ours.encoding.strokeDash.scale).toEqual({ domain: ['simulation', 'analysis'], range: [[1, 0], [4, 2]] });
  });

  it('leaves the paper out where it has no points (another n, or no paper option)', () => {
    expect((chartSpec(point(7, 0.5, 1, 2, 3), 'n = 7', { paper: 7 }) as any).layer).toHaveLength(1);
    expect((chartSpec(point(15, 0.5, 1, 2, 3), 'n = 15') as any).layer).toHaveLength(1);
  });
});

describe('FUSION / LW in the 55–70% band, and the shape', () => {
  it('lists the band\'s points beside the paper\'s and sums the ratios per n', () => {
    const rows = [...point(15, 0.5, 100, 100, 100), ...point(15, 0.55, 40, 60, 70), ...point(15, 0.58, 20, 20, 30), ...point(15, 0.6, 0, 10, 20), ...point(15, 0.7, 0, 0, 0), ...point(15, 0.8, 0, 0, 0)];
    const band = fusionLwBand(paperComparison(rows));
    expect(band.generator).toBe('paper');
    expect(band.lines.map((line) => line.utilisation)).toEqual([0.55, 0.58, 0.6, 0.7]);
    expect(band.lines[0]).toEqual({ tasks: 15, utilisation: 0.55, paper: { lw: 42, fusion: 51 }, ours: { lw: 40, fusion: 60, fusionOurs: 70 } });
    // Paper: (51 + 26 + 17 + 7) / (42 + 14 + 4 + 0); ours: (60 + 20 + 10 + 0) / (40 + 20 + 0 + 0).
    expect(band.summaries).toEqual([{ tasks: 15, paperRatio: 101 / 60, oursRatio: 90 / 60, oursFusionOursRatio: 120 / 60 }]);
    const text = formatBand(band).join('\n');
    expect(text).toContain('∞ (LW 0)');
    expect(text).toContain('- (both 0)');
    expect(text).toContain('n = 15: Σ FUSION ÷ Σ LW over the band: paper 1.68×, ours (greedy) 1.50×, ours (FUSION-ours) 2.00×');
    // Another generator's tasksets, beside the same paper numbers; and a generator that reached no U in the band.
    const uunifast = rows.map((each) => ({ ...each, generator: 'uunifast' as const }));
    expect(fusionLwBand(paperComparison(uunifast, 'uunifast'), 'uunifast').lines[0]).toEqual(band.lines[0]);
    expect(formatBand(fusionLwBand(paperComparison(rows.filter((each) => each.utilisation < 0.55)))).join('\n')).toMatch(/no paper taskset in the band: the generator reached none of its U points/);
  });

  it('says the shape holds, or names each point and rule where it fails', () => {
    expect(checkShape([...point(5, 0.5, 10, 20, 30), ...point(5, 0.6, 0, 0, 0)])).toEqual({ holds: true, points: 2, failures: [] });
    const broken = checkShape([...point(5, 0.5, 30, 20, 30), ...point(5, 0.6, 0, 10, 5), row(10, 0.4, 'fusion-greedy', 50, 40), row(10, 0.4, 'fusion-budget', 50, 30)]);
    expect(broken.holds).toBe(false);
    expect(broken.failures).toEqual([
      'paper n=5 U=50%: FUSION (greedy) 20% < LW 30% by simulation',
      'paper n=5 U=60%: ours 5% < the greedy 10% by simulation',
      'paper n=5 U=60%: ours 5% < the greedy 10% by analysis',
      'paper n=10 U=40%: ours 30% < the greedy 40% by analysis',
    ]);
    expect(formatShapeCheck(broken)[0]).toMatch(/^shape FAILS at 4 of/);
  });
});

describe('a sweep on measured layers', () => {
  it('plans given layers like a zoo network, and the workers plan them as the main thread does', async () => {
    const platform = { enclaveCapacity: 8 * 1024 * 1024, worldSwitch: 20_000, cores: 1 };
    const layers = zooLayerProfiles('tiny-darknet').map((layer) => ({ ...layer, wcet: layer.wcet * 3 }));
    delete (layers[0] as { estimated?: true }).estimated;
    const planned = planLayers('measured-tiny', layers, platform.enclaveCapacity);
    expect(planned.slicedUnits.map((unit) => unit.layer)).toEqual(planNetwork('tiny-darknet', platform.enclaveCapacity).slicedUnits.map((unit) => unit.layer));
    expect(planned.executionTime).toBe(layers.reduce((sum, layer) => sum + layer.wcet, 0));
    const results = await runSweep({ generators: ['uunifast'], tasks: [5], count: 2, seed: 4, network: 'measured-tiny', platform, workers: 1, measured: [{ name: 'measured-tiny', layers }] });
    expect(results[0]).toEqual(runSweepPoint(results[0]!, [planned], platform));
    await expect(runSweep({ generators: ['paper'], tasks: [5], count: 1, seed: 1, network: 'nope', platform, measured: [{ name: 'measured-tiny', layers }] })).rejects.toThrow(/no network "nope" to run \(have: measured-tiny\)/);
  }, 30_000);
});

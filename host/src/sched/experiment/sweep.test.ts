import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policies, policyTitles } from '../task-model.js';
import { runSweep } from './run-sweep.js';
import { planNetwork, runSweepPoint } from './sweep-point.js';
import { acceptanceRows, formatComparison, paperComparison, rowsToCsv, switchReduction, writeSweepOutputs } from './sweep-report.js';

const platform = { enclaveCapacity: 8 * 1024 * 1024, worldSwitch: 20_000, cores: 1 };
const networks = [planNetwork('alexnet-squeezed', platform.enclaveCapacity)];

describe('schedulability sweep', () => {
  it('is reproducible from its seed, and ours is never behind the greedy', () => {
    const point = { generator: 'paper' as const, tasks: 10, utilisation: 0.65, count: 15, seed: 3 };
    const first = runSweepPoint(point, networks, platform);
    expect(runSweepPoint(point, networks, platform)).toEqual(first);
    expect(first.generated).toBe(15);
    const { 'fusion-greedy': greedy, 'fusion-budget': ours, lw } = first.policies;
    expect(ours.analysis).toBeGreaterThanOrEqual(greedy.analysis);
    expect(ours.simulation).toBeGreaterThanOrEqual(greedy.simulation);
    // FUSION dominates LW, and needs fewer world switches.
    expect(greedy.simulation).toBeGreaterThanOrEqual(lw.simulation);
    expect(greedy.worldSwitches).toBeLessThan(lw.worldSwitches);
    // The analysis is sound, so it never accepts more than the simulation does.
    for (const policy of policies) expect(first.policies[policy].analysis).toBeLessThanOrEqual(first.policies[policy].simulation);
  });

  it('records the memory model, and counting only inputs lets FUSION fuse whole jobs (more switches saved)', () => {
    const point = { generator: 'paper' as const, tasks: 10, utilisation: 0.5, count: 10, seed: 5 };
    const full = runSweepPoint(point, networks, platform);
    const inputPlatform = { ...platform, memoryModel: 'input' as const };
    const input = runSweepPoint(point, [planNetwork('alexnet-squeezed', platform.enclaveCapacity, undefined, 'input')], inputPlatform);
    expect(full.memoryModel).toBe('full');
    expect(input.memoryModel).toBe('input');
    // Same periods (the WCETs do not depend on the memory model), so the same tasksets are drawn.
    expect(input.generated).toBe(full.generated);
    const [fullReduction, inputReduction] = [switchReduction([full]), switchReduction([input])];
    expect(fullReduction.mean).toBeGreaterThan(1);
    expect(inputReduction.mean).toBeGreaterThan(fullReduction.mean);
    expect(inputReduction.largest).toBeGreaterThanOrEqual(inputReduction.mean);
    expect(input.switchReductionTasksets).toBe(input.generated);
  });

  it('plans the networks in the workers with the platform\'s memory model', async () => {
    const results = await runSweep({ generators: ['paper'], tasks: [5], count: 1, seed: 2, network: 'alexnet-squeezed', platform: { ...platform, memoryModel: 'input' }, workers: 1 });
    expect(results.map((result) => result.memoryModel)).toEqual(results.map(() => 'input'));
    const sameInMain = runSweepPoint(results[0]!, [planNetwork('alexnet-squeezed', platform.enclaveCapacity, undefined, 'input')], { ...platform, memoryModel: 'input' });
    expect(sameInMain).toEqual(results[0]);
  }, 30_000);

  it('runs points on worker threads and writes CSV, JSON, SVG and HTML', async () => {
    const results = await runSweep({ generators: ['paper', 'uunifast-mix'], tasks: [5], count: 2, seed: 1, network: 'alexnet-squeezed', platform, workers: 2 });
    expect(results).toHaveLength(2 * 12);
    const rows = acceptanceRows(results);
    expect(rowsToCsv(rows).split('\n')[0]).toBe('generator,tasks,utilisation,policy,memoryModel,tasksets,analysisPercent,simulationPercent,meanWorldSwitches');
    expect(rowsToCsv(rows).split('\n')[1]).toMatch(/^paper,5,0\.1,lw,full,2,/);
    const comparison = paperComparison(rows);
    // The authors' rule may hit U = 0.9 with 5 tasks too rarely to produce any taskset; that point is left out.
    expect(comparison.length).toBeGreaterThanOrEqual(11);
    expect(formatComparison(comparison)[2]).toMatch(/^\s+5\s+10\s+100\s+100\s+100\s/);
    const directory = mkdtempSync(join(tmpdir(), 'rtinfer-sweep-'));
    try {
      const outputs = await writeSweepOutputs(directory, results, { seed: 1 }, ['a note']);
      const json = JSON.parse(readFileSync(join(directory, 'results.json'), 'utf8'));
      expect(outputs.files).toContain('acceptance-paper-n5.svg');
      const svg = readFileSync(join(directory, 'acceptance-paper-n5.svg'), 'utf8');
      expect(svg).toMatch(/^<svg/);
      // The paper's points are in the legend, and no legend label is cut short (Vega writes "…" where it truncates).
      expect(svg).toContain("legend-label\" pointer-events=\"none\"><text text-anchor=\"start\" transform=\"translate(16,9)\" font-family=\"sans-serif\" font-size=\"10px\" fill=\"#000\" opacity=\"1\">the paper's figure (AlexNet-squeezed; authors' rule)</text>");
      expect(svg.match(/aria-label="[^"]*paper: the paper's figure[^"]*"/g)).toHaveLength(3 * 12);
      for (const policy of policies) expect(svg).toContain(`>${policyTitles[policy]}</text>`);
      expect(svg).not.toContain('…');
      // The UUniFast chart has no paper points: the paper used the authors' rule.
      expect(readFileSync(join(directory, 'acceptance-uunifast-mix-n5.svg'), 'utf8')).not.toContain("the paper's figure");
      expect(json.shape.points).toBe(json.rows.length / policies.length);
      expect(json.source).toEqual({ network: 'AlexNet-squeezed', wcets: 'cost model', measurements: [] });
      expect(readFileSync(join(directory, 'index.html'), 'utf8')).toContain('Paper vs ours');
      expect(readFileSync(join(directory, 'index.html'), 'utf8')).toContain('FUSION / LW in the 55–70% utilisation band');
      expect(json.rows).toHaveLength(rows.length);
      expect(json.memoryModels).toEqual(['full']);
      expect(readFileSync(join(directory, 'index.html'), 'utf8')).toContain('enclave memory per layer: full = weights + input + output + im2col scratch');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 30_000);
});

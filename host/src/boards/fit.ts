// Does a model fit a board? The device engine's own memory plan (rtinfer-plan runs the firmware's decoder,
// graph loader and planner on the container) against each board's slot and inference memory.
import { execFileSync } from 'node:child_process';
import { RtinferError } from '../errors.js';
import { planBinaryPath } from '../sim/sim-binary.js';
import type { Board } from './boards.js';

/** Pool bytes the engine needs with one weight form: for dense and for TREC (default parameters) runs. */
export interface PoolNeed {
  weights: number;
  dense: number;
  trec: number;
  /** The rtinfer TA's entry arena on top (conv/dense/pool layers are computed there), without an entry budget. */
  enclaveArena: number;
}

export interface EnginePlan {
  containerBytes: number;
  headerScratch: number;
  inputBytes: number;
  work: { dense: number; trec: number };
  layers: number;
  testInputs: number;
  /** int8Weights: an int8 container (CONTAINER.md §8) run in int8 — dense int8 weights, each kernel's scratch
   *  as a Cortex-M4/M7 build asks; trec: its conv layers in int8 TREC with the default parameters (no LW slices in int8). */
  pool: { denseWeights: PoolNeed; sparseWeights: PoolNeed; int8Weights?: Int8PoolNeed };
}

export interface Int8PoolNeed {
  weights: number;
  dense: number;
  trec: number;
}

export function planContainer(file: string): EnginePlan {
  try {
    return JSON.parse(execFileSync(planBinaryPath(), [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as EnginePlan;
  } catch (error) {
    if (error instanceof RtinferError) throw error;
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new RtinferError('bad_container', stderr.replace(/^rtinfer-plan: /, '') || `${file}: the planner failed`, { file });
  }
}

export interface ModeFit {
  fits: boolean;
  /** The weight form the engine would pick: dense float32 when it fits, else sparse × codebook. */
  weights: 'dense' | 'sparse' | 'int8';
  need: number;
  have: number;
  headroom: number;
  /** int8: where the bytes go (the header copy, the int8 weights, the float input, activations and scratch). */
  parts?: { header: number; weights: number; input: number; work: number };
}

export interface BoardFit {
  board: string;
  container: { bytes: number; slotBytes: number; fits: boolean };
  dense: ModeFit;
  trec: ModeFit;
  /** An int8 container: how it fits run in int8 (what the device does with it), beside the fp32 figures above. */
  int8?: ModeFit;
  /** The same in int8 TREC (default parameters): int8 TREC's scratch in place of the dense kernels'. */
  int8Trec?: ModeFit;
}

/** As the engine decides (firmware/stm32/app/engine.c, engine_fit): dense weights when the run fits with them, else sparse. */
function modeFit(plan: EnginePlan, mode: 'dense' | 'trec', have: number): ModeFit {
  const denseFits = plan.pool.denseWeights[mode] <= have;
  const weights = denseFits ? 'dense' : 'sparse';
  const need = (denseFits ? plan.pool.denseWeights : plan.pool.sparseWeights)[mode];
  return { fits: need <= have, weights, need, have, headroom: have - need };
}

function int8Fit(plan: EnginePlan, int8: Int8PoolNeed, mode: 'dense' | 'trec', have: number): ModeFit {
  const need = int8[mode];
  const parts = { header: plan.headerScratch, weights: int8.weights, input: plan.inputBytes, work: need - plan.headerScratch - int8.weights - plan.inputBytes };
  return { fits: need <= have, weights: 'int8', need, have, headroom: have - need, parts };
}

export function fitOnBoard(plan: EnginePlan, board: Board): BoardFit {
  return {
    board: board.name,
    container: { bytes: plan.containerBytes, slotBytes: board.slotBytes, fits: plan.containerBytes <= board.slotBytes },
    dense: modeFit(plan, 'dense', board.inferenceBytes),
    trec: modeFit(plan, 'trec', board.inferenceBytes),
    ...(plan.pool.int8Weights
      ? { int8: int8Fit(plan, plan.pool.int8Weights, 'dense', board.inferenceBytes), int8Trec: int8Fit(plan, plan.pool.int8Weights, 'trec', board.inferenceBytes) }
      : {}),
  };
}

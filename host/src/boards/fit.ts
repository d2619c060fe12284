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
  pool: { denseWeights: PoolNeed; sparseWeights: PoolNeed };
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
  weights: 'dense' | 'sparse';
  need: number;
  have: number;
  headroom: number;
}

export interface BoardFit {
  board: string;
  container: { bytes: number; slotBytes: number; fits: boolean };
  dense: ModeFit;
  trec: ModeFit;
}

/** As the engine decides (firmware/stm32/app/engine.c, engine_fit): dense weights when the run fits with them, else sparse. */
function modeFit(plan: EnginePlan, mode: 'dense' | 'trec', have: number): ModeFit {
  const denseFits = plan.pool.denseWeights[mode] <= have;
  const weights = denseFits ? 'dense' : 'sparse';
  const need = (denseFits ? plan.pool.denseWeights : plan.pool.sparseWeights)[mode];
  return { fits: need <= have, weights, need, have, headroom: have - need };
}

export function fitOnBoard(plan: EnginePlan, board: Board): BoardFit {
  return {
    board: board.name,
    container: { bytes: plan.containerBytes, slotBytes: board.slotBytes, fits: plan.containerBytes <= board.slotBytes },
    dense: modeFit(plan, 'dense', board.inferenceBytes),
    trec: modeFit(plan, 'trec', board.inferenceBytes),
  };
}

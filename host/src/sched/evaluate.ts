// One taskset under one policy: the dispatch it uses, the analysis verdict and (optionally) the simulation.
import { demandModel } from './demand-model.js';
import { demandTest, type DemandVerdict } from './demand-test.js';
import { fixedDispatch, type Dispatch, type PlannedViews } from './dispatch.js';
import { UnsupportedTasksetError } from './errors.js';
import { chooseBudget } from './plan-budget.js';
import { simulate, type SimulationOptions, type SimulationResult } from './simulator.js';
import type { Policy } from './task-model.js';

export interface PolicyEvaluation {
  policy: Policy;
  dispatch: Dispatch;
  analysis: DemandVerdict;
  /** fusion-budget only: which packing the analysis chose, and the budget when one was certified. */
  budgetChoice?: { chosen: string; budget?: number };
  simulation?: SimulationResult;
}

export interface EvaluationOptions {
  simulate?: boolean;
  simulation?: SimulationOptions;
  /** Stop the analysis at the first failing window (faster, enough for a yes/no). */
  quick?: boolean;
  /** The fusion-greedy verdict, when already computed, so fusion-budget need not repeat it. */
  greedyVerdict?: DemandVerdict;
}

export function evaluatePolicy(views: PlannedViews, policy: Policy, options: EvaluationOptions = {}): PolicyEvaluation {
  if (views.platform.cores !== 1) throw new UnsupportedTasksetError('more than one dispatcher core (the analysis and the simulator are uniprocessor)', { cores: views.platform.cores });
  const testOptions = { stopAtFirstFailure: options.quick ?? false };
  let evaluation: PolicyEvaluation;
  if (policy === 'fusion-budget') {
    const choice = chooseBudget(views, options.greedyVerdict);
    // The chosen budget's verdict comes from a quick test; rerun it in full when a full report is wanted.
    const analysis = options.quick ? choice.verdict : demandTest(demandModel(choice.dispatch));
    evaluation = { policy, dispatch: choice.dispatch, analysis, budgetChoice: choice.budget === undefined ? { chosen: choice.chosen } : { chosen: choice.chosen, budget: choice.budget } };
  } else {
    const dispatch = fixedDispatch(views, policy);
    evaluation = { policy, dispatch, analysis: demandTest(demandModel(dispatch), testOptions) };
  }
  if (options.simulate) evaluation.simulation = simulate(evaluation.dispatch, options.simulation);
  return evaluation;
}

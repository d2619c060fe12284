// Ours: analysis-guided FUSION. Keep the paper's greedy packing when the demand test certifies it; otherwise
// pack each entry from the EDF head's next units only, under the largest blocking budget Q the test certifies;
// if no budget is certified either, fall back to the greedy rule. So, by the analysis' soundness, ours is
// accepted (by analysis or by simulation) whenever the greedy is, and often when it is not.
import { demandModel } from './demand-model.js';
import { demandTest, type DemandVerdict } from './demand-test.js';
import { budgetedDispatch, fixedDispatch, type Dispatch, type PlannedViews } from './dispatch.js';
import { longestRun } from './packing.js';

export interface BudgetChoice {
  dispatch: Dispatch;
  verdict: DemandVerdict;
  /** 'greedy' when the paper's rule was certified or nothing was; 'budget' when a budgeted run was certified. */
  chosen: 'greedy-certified' | 'budget-certified' | 'greedy-uncertified';
  budget?: number;
}

/** Budgets tried, largest first: the unbounded run, then geometric steps down to one world switch + 1 µs. */
export function candidateBudgets(views: PlannedViews, steps = 12): number[] {
  const { enclaveCapacity, worldSwitch } = views.platform;
  let longest = 0;
  for (const task of views.slicedTasks) if (task.kind === 'enclave') longest = Math.max(longest, longestRun(task.units, enclaveCapacity));
  const largest = worldSwitch + longest;
  const smallest = worldSwitch + 1;
  const budgets = [largest];
  const ratio = Math.pow(smallest / largest, 1 / steps);
  for (let step = 1; step <= steps; step++) budgets.push(Math.max(smallest, Math.floor(largest * Math.pow(ratio, step))));
  return [...new Set(budgets)];
}

export function chooseBudget(views: PlannedViews, greedyVerdict?: DemandVerdict): BudgetChoice {
  const greedy = fixedDispatch(views, 'fusion-greedy');
  const greedyResult = greedyVerdict ?? demandTest(demandModel(greedy), { stopAtFirstFailure: true });
  if (greedyResult.schedulable) return { dispatch: { ...greedy, policy: 'fusion-budget' }, verdict: greedyResult, chosen: 'greedy-certified' };
  for (const budget of candidateBudgets(views)) {
    const dispatch = budgetedDispatch(views, budget);
    const verdict = demandTest(demandModel(dispatch), { stopAtFirstFailure: true });
    if (verdict.schedulable) return { dispatch, verdict, chosen: 'budget-certified', budget };
  }
  return { dispatch: { ...greedy, policy: 'fusion-budget' }, verdict: greedyResult, chosen: 'greedy-uncertified' };
}

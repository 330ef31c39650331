import type { RunBudget } from '@greenlight/contracts';
import type { JudgeCallCost } from '@greenlight/judging';

// A run's budget: limits on the agent calls, judge tokens and estimated judge cost one execution of the
// run may spend, and which of them a run has reached. Pure rules; RunBudgetLedger keeps the counts.

export type BudgetName = 'max_agent_calls' | 'max_judge_tokens' | 'max_cost_usd';

/** What the run has spent in its current execution (a resumed run counts what its kept results spent). */
export interface BudgetUsage {
  agent_calls: number;
  judge_tokens: number;
  cost_usd: number;
}

/** The limit that stopped a run, and how much of it was used when a case was refused. */
export interface BudgetExceeded {
  budget: BudgetName;
  limit: number;
  used: number;
}

/** The run's limits, only those set; null when it has none (it spends freely and costs no bookkeeping). */
export function budgetLimits(config: { budget?: RunBudget | null }): RunBudget | null {
  const b = config.budget;
  if (!b) return null;
  const limits: RunBudget = {};
  for (const name of BUDGET_NAMES) if (typeof b[name] === 'number') limits[name] = b[name];
  return Object.keys(limits).length > 0 ? limits : null;
}

const BUDGET_NAMES: BudgetName[] = ['max_agent_calls', 'max_judge_tokens', 'max_cost_usd'];

/**
 * The first limit `usage` has reached (used ≥ limit), in the order agent calls, judge tokens, cost; null
 * while another case may start.
 */
export function reachedLimit(limits: RunBudget, usage: BudgetUsage): BudgetExceeded | null {
  const used: Record<BudgetName, number> = { max_agent_calls: usage.agent_calls, max_judge_tokens: usage.judge_tokens, max_cost_usd: usage.cost_usd };
  for (const name of BUDGET_NAMES) {
    const limit = limits[name];
    if (typeof limit === 'number' && used[name] >= limit) return { budget: name, limit, used: used[name] };
  }
  return null;
}

/** The failure reason a run stopped by its budget keeps. */
export function budgetFailureReason(e: BudgetExceeded): string {
  const what = { max_agent_calls: 'agent calls', max_judge_tokens: 'judge tokens', max_cost_usd: 'estimated judge cost (USD)' }[e.budget];
  return `the run reached its budget of ${e.limit} ${what} (${e.used} used); no further case was started and the results so far are kept`;
}

/** What one case adds to the judge side of the usage (its agent call was reserved before it started). */
export function judgeSpend(cost: JudgeCallCost): { prompt: number; completion: number; total: number; cost_usd: number } {
  return { prompt: cost.prompt_tokens, completion: cost.completion_tokens, total: cost.total_tokens, cost_usd: cost.cost_usd ?? 0 };
}

/**
 * Thrown in place of a case that may not start: the run reached its budget, or its execution is stale
 * (started again meanwhile). Stops a chunk like a failing case, without being one.
 */
export class BudgetStop extends Error {
  constructor(readonly refusal: BudgetExceeded | 'stale') {
    super(refusal === 'stale' ? 'the execution is stale' : `budget ${refusal.budget} reached`);
    this.name = 'BudgetStop';
  }
}

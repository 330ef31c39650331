import { budgetFailureReason, budgetLimits, reachedLimit } from './run-budget';

describe('run budget rules', () => {
  it('keeps only the limits that are set', () => {
    expect(budgetLimits({})).toBeNull();
    expect(budgetLimits({ budget: {} })).toBeNull();
    expect(budgetLimits({ budget: { max_agent_calls: 5, max_cost_usd: null } })).toEqual({ max_agent_calls: 5 });
  });

  it('a limit is reached when the usage is at it or past it, agent calls first', () => {
    const limits = { max_agent_calls: 3, max_judge_tokens: 100, max_cost_usd: 0.01 };
    expect(reachedLimit(limits, { agent_calls: 2, judge_tokens: 99, cost_usd: 0.009 })).toBeNull();
    expect(reachedLimit(limits, { agent_calls: 3, judge_tokens: 0, cost_usd: 0 })).toEqual({ budget: 'max_agent_calls', limit: 3, used: 3 });
    expect(reachedLimit(limits, { agent_calls: 1, judge_tokens: 140, cost_usd: 0 })).toEqual({ budget: 'max_judge_tokens', limit: 100, used: 140 });
    expect(reachedLimit(limits, { agent_calls: 1, judge_tokens: 0, cost_usd: 0.01 })).toEqual({ budget: 'max_cost_usd', limit: 0.01, used: 0.01 });
    expect(reachedLimit({ max_cost_usd: 1 }, { agent_calls: 10_000, judge_tokens: 1e9, cost_usd: 0.5 })).toBeNull();
  });

  it('says which budget, its limit and the usage', () => {
    expect(budgetFailureReason({ budget: 'max_judge_tokens', limit: 100, used: 140 })).toMatch(/budget of 100 judge tokens \(140 used\)/);
  });
});

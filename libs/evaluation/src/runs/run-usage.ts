import type { DataSource } from 'typeorm';
import type { BudgetLedgerView } from '../budget/run-budget-ledger';

/** What a run spent: agent calls, judge calls and cache hits, judge tokens and their estimated cost. */
export interface RunUsage {
  /** Results stored: one agent call each (calls retried after a transient failure are not in it). */
  agent_calls: number;
  /** Verdicts the judge computed (cache hits excluded); for the provider judge, each is one model call. */
  judge_calls: number;
  judge_cache_hits: number;
  judge_prompt_tokens: number;
  judge_completion_tokens: number;
  judge_total_tokens: number;
  /** Sum of the results' estimated judge costs; null when any provider call's cost is unknown (unpriced_judge_calls). */
  estimated_cost_usd: number | null;
  unpriced_judge_calls: number;
  /** Only for a run with a budget: its limits, what its current execution spent, and the limit that stopped it. */
  budget?: BudgetLedgerView;
}

/**
 * The run's usage from its stored results and artifacts: tokens of cache hits are not counted (the call
 * they reuse is), and the cost is estimated from EVAL_JUDGE_PRICES as each result was written.
 */
export async function runUsage(db: DataSource, runId: string): Promise<RunUsage> {
  const [r] = await db.query(
    `SELECT (SELECT count(*)::int FROM eval_results WHERE run_id = $1) AS agent_calls,
            count(*) FILTER (WHERE NOT a.cache_hit)::int AS judge_calls,
            count(*) FILTER (WHERE a.cache_hit)::int AS cache_hits,
            coalesce(sum(t.p), 0)::text AS prompt, coalesce(sum(t.c), 0)::text AS completion,
            coalesce(sum(greatest(t.t, t.p + t.c)), 0)::text AS total,
            coalesce(sum(a.judge_cost_usd), 0)::text AS cost,
            count(*) FILTER (WHERE a.judge_mode = 'provider' AND NOT a.cache_hit AND a.judge_cost_usd IS NULL)::int AS unpriced
       FROM eval_run_artifacts a
       JOIN eval_results r ON r.id = a.result_id AND r.status = 'scored'
       CROSS JOIN LATERAL (
         SELECT CASE WHEN a.cache_hit THEN 0 ELSE coalesce((a.token_usage->>'prompt_tokens')::bigint, 0) END AS p,
                CASE WHEN a.cache_hit THEN 0 ELSE coalesce((a.token_usage->>'completion_tokens')::bigint, 0) END AS c,
                CASE WHEN a.cache_hit THEN 0 ELSE coalesce((a.token_usage->>'total_tokens')::bigint, 0) END AS t
       ) t
      WHERE a.run_id = $1`,
    [runId],
  );
  const unpriced = Number(r.unpriced);
  return {
    agent_calls: Number(r.agent_calls),
    judge_calls: Number(r.judge_calls),
    judge_cache_hits: Number(r.cache_hits),
    judge_prompt_tokens: Number(r.prompt),
    judge_completion_tokens: Number(r.completion),
    judge_total_tokens: Number(r.total),
    estimated_cost_usd: unpriced > 0 ? null : Math.round(Number(r.cost) * 1_000_000) / 1_000_000,
    unpriced_judge_calls: unpriced,
  };
}

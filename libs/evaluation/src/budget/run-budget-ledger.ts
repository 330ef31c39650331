import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import type { RunBudget } from '@greenlight/contracts';
import { judgeCallCost, priceOf } from '@greenlight/judging';
import type { CaseOutcome, RunContext } from '../execution/execution.types';
import { BudgetExceeded, BudgetUsage, budgetLimits, judgeSpend, reachedLimit } from './run-budget';

/** What a budgeted run has spent in its current execution, and the limit that stopped it (if one did). */
export interface BudgetLedgerView {
  limits: RunBudget;
  agent_calls: number;
  judge_tokens: number;
  cost_usd: number;
  exceeded: BudgetExceeded | null;
}

interface UsageRow {
  epoch: number;
  agent_calls: number;
  judge_tokens: string;
  cost_usd: string;
  exceeded: BudgetExceeded | null;
}

/**
 * The spending of runs with a budget, one row per run (eval_run_budget_usage) that every execution path
 * and every worker process updates: an agent call is reserved before a case starts (an atomic
 * conditional UPDATE, so concurrent chunks never reserve past the limit), the judge's tokens and cost
 * are added once the case is judged. The row belongs to one queue epoch: a new execution (execute,
 * start, resume) starts it again from what the run's kept results spent (nothing after a fresh start,
 * whose results were cleared), so a resumed run does not get its budget twice. Runs without a budget
 * never touch it.
 */
@Injectable()
export class RunBudgetLedger {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * Starts the execution's row (once per epoch; later calls of the same epoch change nothing), from the
   * results the run keeps: one agent call each, their judge tokens (cache hits excluded) and cost.
   */
  async open(ctx: Pick<RunContext, 'run' | 'epoch' | 'config'>): Promise<void> {
    if (!budgetLimits(ctx.config)) return;
    await this.db.query(
      `INSERT INTO eval_run_budget_usage AS u (run_id, epoch, agent_calls, judge_prompt_tokens, judge_completion_tokens, judge_tokens, cost_usd, exceeded, updated_at)
       SELECT $1::uuid, $2::int,
              (SELECT count(*)::int FROM eval_results WHERE run_id = $1),
              coalesce(sum(t.p), 0), coalesce(sum(t.c), 0), coalesce(sum(greatest(t.t, t.p + t.c)), 0),
              coalesce((SELECT sum(judge_cost_usd) FROM eval_run_artifacts WHERE run_id = $1), 0), NULL, now()
       FROM (SELECT coalesce((token_usage->>'prompt_tokens')::bigint, 0) AS p, coalesce((token_usage->>'completion_tokens')::bigint, 0) AS c,
                    coalesce((token_usage->>'total_tokens')::bigint, 0) AS t
             FROM eval_run_artifacts WHERE run_id = $1 AND NOT cache_hit AND token_usage IS NOT NULL AND judge_mode = 'provider') t
       ON CONFLICT (run_id) DO UPDATE SET epoch = EXCLUDED.epoch, agent_calls = EXCLUDED.agent_calls,
              judge_prompt_tokens = EXCLUDED.judge_prompt_tokens, judge_completion_tokens = EXCLUDED.judge_completion_tokens,
              judge_tokens = EXCLUDED.judge_tokens, cost_usd = EXCLUDED.cost_usd, exceeded = NULL, updated_at = now()
       WHERE u.epoch < EXCLUDED.epoch`,
      [ctx.run.id, ctx.epoch],
    );
  }

  /**
   * Reserves one agent call for a case about to start. Null when the case may start; the limit reached
   * otherwise (noted on the row, first one wins, so every later case of the epoch is refused too). An
   * execution whose epoch's row does not exist yet opens it first; one of an older epoch than the row's
   * is stale (the run was started again meanwhile) and starts no case: `stale`.
   */
  async reserve(ctx: Pick<RunContext, 'run' | 'epoch' | 'config'>): Promise<BudgetExceeded | 'stale' | null> {
    const limits = budgetLimits(ctx.config);
    if (!limits) return null;
    for (let attempt = 0; ; attempt++) {
      const [reserved]: [unknown[]] = await this.db.query(
        `UPDATE eval_run_budget_usage SET agent_calls = agent_calls + 1, updated_at = now()
         WHERE run_id = $1 AND epoch = $2 AND exceeded IS NULL
           AND ($3::int IS NULL OR agent_calls < $3) AND ($4::bigint IS NULL OR judge_tokens < $4) AND ($5::numeric IS NULL OR cost_usd < $5)
         RETURNING agent_calls`,
        [ctx.run.id, ctx.epoch, limits.max_agent_calls ?? null, limits.max_judge_tokens ?? null, limits.max_cost_usd ?? null],
      );
      if (reserved.length > 0) return null;
      const row = await this.row(ctx.run.id);
      if ((!row || row.epoch < ctx.epoch) && attempt === 0) {
        await this.open(ctx);
        continue;
      }
      if (!row || row.epoch !== ctx.epoch) return 'stale';
      if (row.exceeded) return row.exceeded;
      const reached = reachedLimit(limits, usageOf(row)) ?? { budget: 'max_agent_calls', limit: limits.max_agent_calls ?? 0, used: row.agent_calls };
      const [noted]: [{ exceeded: BudgetExceeded }[]] = await this.db.query(
        `UPDATE eval_run_budget_usage SET exceeded = coalesce(exceeded, $3::jsonb), updated_at = now() WHERE run_id = $1 AND epoch = $2 RETURNING exceeded`,
        [ctx.run.id, ctx.epoch, JSON.stringify(reached)],
      );
      return noted[0]?.exceeded ?? reached;
    }
  }

  /** Adds what judging the case spent (nothing for the deterministic judge and cache hits). */
  async spend(ctx: Pick<RunContext, 'run' | 'epoch' | 'config'>, outcome: CaseOutcome): Promise<void> {
    if (!budgetLimits(ctx.config) || !outcome.judged) return;
    const price = priceOf(this.config.get('EVAL_JUDGE_PRICES'), ctx.config.judge.model);
    const s = judgeSpend(judgeCallCost(ctx.config.judge, outcome.judged.trace, outcome.judged.cache_hit, price));
    if (s.total === 0 && s.cost_usd === 0) return;
    await this.db.query(
      `UPDATE eval_run_budget_usage SET judge_prompt_tokens = judge_prompt_tokens + $3, judge_completion_tokens = judge_completion_tokens + $4,
              judge_tokens = judge_tokens + $5, cost_usd = cost_usd + $6, updated_at = now()
       WHERE run_id = $1 AND epoch = $2`,
      [ctx.run.id, ctx.epoch, s.prompt, s.completion, s.total, s.cost_usd],
    );
  }

  /** The limit that stopped the execution of `epoch`, if one did. */
  async exceededAt(runId: string, epoch: number): Promise<BudgetExceeded | null> {
    const row = await this.row(runId);
    return row && row.epoch === epoch ? row.exceeded : null;
  }

  /** The run's spending as last recorded (its latest execution); null without a budget or before it executed. */
  async view(run: { id: string; config: { budget?: RunBudget | null } }): Promise<BudgetLedgerView | null> {
    const limits = budgetLimits(run.config);
    if (!limits) return null;
    const row = await this.row(run.id);
    const usage = row ? usageOf(row) : { agent_calls: 0, judge_tokens: 0, cost_usd: 0 };
    return { limits, ...usage, exceeded: row?.exceeded ?? null };
  }

  private async row(runId: string): Promise<UsageRow | null> {
    const rows: UsageRow[] = await this.db.query(
      `SELECT epoch, agent_calls, judge_tokens::text, cost_usd::text, exceeded FROM eval_run_budget_usage WHERE run_id = $1`,
      [runId],
    );
    return rows[0] ?? null;
  }
}

function usageOf(row: UsageRow): BudgetUsage {
  return { agent_calls: Number(row.agent_calls), judge_tokens: Number(row.judge_tokens), cost_usd: Number(row.cost_usd) };
}

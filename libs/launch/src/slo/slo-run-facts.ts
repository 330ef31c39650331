import { DataSource } from 'typeorm';
import type { EvalRunEntity } from '@greenlight/database';
import type { RunStatistics } from '@greenlight/evaluation';
import type { RunFacts } from './slo-checks';
import type { SloThresholds } from './slo-policy.types';

const RATE_KEYS: (keyof SloThresholds)[] = ['min_answer_correct_rate', 'min_source_correct_rate', 'min_quality_pass_rate', 'min_pass_rate'];

/**
 * What a terminal run tells the policy: its summary (completed runs, only when a rate threshold is
 * set), its duration from start to terminal move, and its judge cost (the estimated cost of its judge
 * calls, summed over the calls that have one; not measured when none has: no price known for the model).
 */
export async function runFacts(db: DataSource, stats: RunStatistics, run: EvalRunEntity, t: SloThresholds): Promise<RunFacts> {
  const wantsRates = run.status === 'completed' && RATE_KEYS.some((k) => typeof t[k] === 'number');
  const [summary, cost] = await Promise.all([
    wantsRates ? stats.summarize(run) : Promise.resolve(null),
    typeof t.max_run_cost_usd === 'number' ? runCost(db, run.id) : Promise.resolve(null),
  ]);
  const started = run.started_at ? new Date(run.started_at).getTime() : null;
  const ended = run.completed_at ? new Date(run.completed_at).getTime() : null;
  return {
    status: run.status as RunFacts['status'],
    summary,
    duration_seconds: started !== null && ended !== null ? (ended - started) / 1000 : null,
    cost_usd: cost,
  };
}

async function runCost(db: DataSource, runId: string): Promise<number | null> {
  const [r] = await db.query(`SELECT sum(judge_cost_usd)::float AS cost, count(judge_cost_usd)::int AS n FROM eval_run_artifacts WHERE run_id = $1`, [runId]);
  return Number(r.n) === 0 ? null : Math.round(Number(r.cost) * 1e6) / 1e6;
}

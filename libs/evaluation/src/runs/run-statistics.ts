import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EvalRunEntity } from '@greenlight/database';
import { runTrials } from '@greenlight/contracts';
import { RunBudgetLedger } from '../budget/run-budget-ledger';
import { runUsage } from './run-usage';
import type { RunRates, RunSummary } from './run-views';
import { trialAgreement } from './trial-agreement';

const ratio = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);

/** Counts and rates of runs, computed from their results. */
@Injectable()
export class RunStatistics {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly budget: RunBudgetLedger,
  ) {}

  /** The rates of each run (zeros for a run without results), one query for all of them. */
  async ratesFor(runs: EvalRunEntity[]): Promise<Map<string, RunRates>> {
    const ids = runs.map((r) => r.id);
    const out = new Map<string, RunRates>();
    for (const id of ids)
      out.set(id, { result_count: 0, error_count: 0, error_rate: 0, answer_correct_rate: 0, source_correct_rate: 0, quality_pass_rate: 0, pass_rate: 0 });
    if (ids.length === 0) return out;
    const threshold = new Map(runs.map((r) => [r.id, r.config.profile?.scoring_scale?.pass_threshold ?? 4]));
    const rows: Record<string, string | number>[] = await this.db.query(
      `SELECT run_id, count(*)::int AS n,
              count(*) FILTER (WHERE answer_correct IS NOT NULL)::int AS a_n, count(*) FILTER (WHERE answer_correct)::int AS a_ok,
              count(*) FILTER (WHERE source_correct IS NOT NULL)::int AS s_n, count(*) FILTER (WHERE source_correct)::int AS s_ok,
              count(*) FILTER (WHERE status = 'scored')::int AS q_n, count(*) FILTER (WHERE passed)::int AS p_ok,
              count(*) FILTER (WHERE status = 'error')::int AS e_n,
              array_agg(quality_score) FILTER (WHERE status = 'scored') AS scores
       FROM eval_results WHERE run_id = ANY($1) GROUP BY run_id`,
      [ids],
    );
    for (const r of rows) {
      const t = threshold.get(String(r.run_id)) ?? 4;
      const scores = ((r.scores as unknown as (string | number)[] | null) ?? []).map(Number);
      out.set(String(r.run_id), {
        result_count: Number(r.n),
        error_count: Number(r.e_n),
        error_rate: ratio(Number(r.e_n), Number(r.n)),
        answer_correct_rate: ratio(Number(r.a_ok), Number(r.a_n)),
        source_correct_rate: ratio(Number(r.s_ok), Number(r.s_n)),
        quality_pass_rate: ratio(scores.filter((s) => s >= t).length, Number(r.q_n)),
        pass_rate: ratio(Number(r.p_ok), Number(r.n)),
      });
    }
    return out;
  }

  /**
   * The summary of one run: counts, answer/source/quality rates, pass rate. With repeated trials the
   * counts and rates are over every trial's result, and each case's pass rate and the flaky cases come
   * with them. `usage` tells what the run spent (agent calls, judge tokens, estimated cost, its budget).
   */
  async summarize(run: EvalRunEntity, options: { asReviewed?: boolean } = {}): Promise<RunSummary> {
    const threshold = run.config.profile.scoring_scale.pass_threshold;
    const [r] = await this.db.query(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE status = 'scored')::int AS scored,
              count(*) FILTER (WHERE status = 'error')::int AS errors,
              count(*) FILTER (WHERE answer_correct IS NOT NULL)::int AS a_n, count(*) FILTER (WHERE answer_correct)::int AS a_ok,
              count(*) FILTER (WHERE source_correct IS NOT NULL)::int AS s_n, count(*) FILTER (WHERE source_correct)::int AS s_ok,
              coalesce(avg(quality_score) FILTER (WHERE status = 'scored'), 0)::float AS q_avg,
              count(*) FILTER (WHERE status = 'scored' AND quality_score >= $2)::int AS q_ok,
              count(*) FILTER (WHERE passed)::int AS passed,
              count(*) FILTER (WHERE evaluation_mode = 'answer')::int AS m_answer,
              count(*) FILTER (WHERE evaluation_mode = 'criteria')::int AS m_criteria
       FROM ${options.asReviewed ? REVIEWED_RESULTS : 'eval_results'} WHERE run_id = $1`,
      [run.id, threshold],
    );
    const trials = runTrials(run.config);
    const [usage, budget] = await Promise.all([runUsage(this.db, run.id), this.budget.view(run)]);
    const summary: RunSummary = {
      run_id: run.id,
      status: run.status,
      judge_config_hash: run.judge_config_hash,
      total_cases: run.total_cases,
      result_count: r.n,
      scored_count: r.scored,
      error_count: r.errors,
      answer: { evaluated: r.a_n, correct: r.a_ok, rate: ratio(r.a_ok, r.a_n) },
      source: { evaluated: r.s_n, correct: r.s_ok, rate: ratio(r.s_ok, r.s_n) },
      quality: {
        evaluated: r.scored,
        average_score: Math.round(Number(r.q_avg) * 100) / 100,
        pass_count: r.q_ok,
        pass_rate: ratio(r.q_ok, r.scored),
        pass_threshold: threshold,
      },
      passed_count: r.passed,
      pass_rate: ratio(r.passed, r.n),
      by_mode: { answer: r.m_answer, criteria: r.m_criteria },
      as_reviewed: options.asReviewed ?? false,
      usage: budget ? { ...usage, budget } : usage,
    };
    return trials > 1 ? { ...summary, trials, ...(await trialAgreement(this.db, run.id)) } : summary;
  }
}

/**
 * The run's results as its reviewers left them: an overridden result counts with the reviewer's answer,
 * source and quality values, and passes by the judge's own rule applied to them (quality at the threshold,
 * and for answer cases a correct answer with no wrong source). `$1` is the run, `$2` the pass threshold.
 */
const REVIEWED_RESULTS = `(
  SELECT run_id, status, evaluation_mode, answer_correct, source_correct, quality_score,
         CASE WHEN review_status = 'overridden'
              THEN coalesce(quality_score >= $2 AND (evaluation_mode = 'criteria' OR (answer_correct IS TRUE AND source_correct IS NOT FALSE)), false)
              ELSE passed END AS passed
  FROM (SELECT run_id, status, evaluation_mode, review_status, passed,
               CASE WHEN review_override ? 'answer_correct' THEN (review_override->>'answer_correct')::boolean ELSE answer_correct END AS answer_correct,
               CASE WHEN review_override ? 'source_correct' THEN (review_override->>'source_correct')::boolean ELSE source_correct END AS source_correct,
               CASE WHEN review_override ? 'quality_score' THEN (review_override->>'quality_score')::numeric ELSE quality_score END AS quality_score
        FROM eval_results WHERE run_id = $1) o
) reviewed`;

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { judgeCallCost, priceOf, TokenPrice } from '@greenlight/judging';
import { isWellFormed } from '../agent-calls/agent-response';
import { KeyedBatcher } from './keyed-batcher';
import type { CaseOutcome, RunContext } from './execution.types';
import { preparedQuery } from './prepared-query';

/**
 * Writes case outcomes: one result and one artifact per trial of a case, idempotent on (run_id, case_id,
 * trial), only
 * while the execution still owns the run (its status is running at the execution's queue epoch).
 */
@Injectable()
export class RunResultWriter {
  /** Writes of one run and epoch: one statement in flight, the calls behind it grouped (group commit). */
  private readonly writes = new KeyedBatcher<PendingWrite, number>(
    MAX_WRITE_ROWS,
    (w) => w.outcomes.length,
    async (batch) => {
      const inserted = await this.writeOutcomes(
        batch[0].ctx,
        batch.flatMap((w) => w.outcomes),
      );
      return batch.map((w) => claim(inserted, w.outcomes));
    },
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stores the results and artifacts of a batch; a trial already stored is left as it is. Resolves once
   * they are committed, with the number of results this call inserted (0 when this execution no longer
   * owns the run).
   *
   * Calls for one run and epoch are group-committed: one write is in flight at a time and the calls
   * that arrive meanwhile go together in the next one. They would queue anyway (each write takes the
   * run row's lock), and one statement for many chunks saves a parse, a lock hand-off, a commit and a
   * WAL flush per chunk. Should a combined write fail, each call's outcomes are written on their own,
   * so one call's bad data never fails another's.
   */
  persist(ctx: RunContext, outcomes: CaseOutcome[]): Promise<number> {
    if (outcomes.length === 0) return Promise.resolve(0);
    return this.writes.submit(`${ctx.run.id}:${ctx.epoch}`, { ctx, outcomes });
  }

  /**
   * One statement, so one round trip and one implicit transaction. It takes the run row's lock first
   * and exclusively (NO KEY UPDATE, which the results' foreign keys do not conflict with): writes of
   * one run queue up instead of deadlocking on the progress update, and a cancel, a terminal move or a
   * reopen cannot slip in before commit. Every write of a run needs that lock, so it is held as briefly
   * as possible: never across a round trip to this process (whose event loop is busy with dozens of
   * chunks), only for the inserts and the commit. Returns the keys (outcomeKey) of the trials it inserted.
   */
  private async writeOutcomes(ctx: RunContext, outcomes: CaseOutcome[]): Promise<Set<string>> {
    const { run, config, judge } = ctx;
    // One row per trial of a case (first wins) in case two executions of the same chunk meet in one write.
    const rows = new Map<string, ReturnType<typeof batchRow>>();
    const price = priceOf(this.config.get('EVAL_JUDGE_PRICES'), config.judge.model);
    for (const o of outcomes) {
      const key = outcomeKey(o.case.id, o.case.trial);
      if (!rows.has(key)) rows.set(key, batchRow(o, config.judge, price));
    }
    const inserted = await preparedQuery<{ case_id: string; trial: number }>(this.db, 'greenlight_persist_outcomes', PERSIST_SQL, [
      run.id,
      ctx.epoch,
      run.org_id,
      JSON.stringify([...rows.values()]),
      judge.mode,
      judge.model ?? null,
      judge.prompt_version,
      judge.prompt_hash,
      config.executor.mode,
    ]);
    return new Set(inserted.map((r) => outcomeKey(r.case_id, r.trial)));
  }
}

/** Most outcomes one group-committed write combines (a single larger call still goes in one piece). */
const MAX_WRITE_ROWS = 1000;

/** One persist call. */
interface PendingWrite {
  ctx: RunContext;
  outcomes: CaseOutcome[];
}

/** How many of `outcomes` a write inserted; a trial is counted once even if two calls carried it. */
function claim(inserted: Set<string>, outcomes: CaseOutcome[]): number {
  let n = 0;
  for (const o of outcomes) if (inserted.delete(outcomeKey(o.case.id, o.case.trial))) n++;
  return n;
}

/** One trial of one case, as a map key. */
function outcomeKey(caseId: string, trial: number): string {
  return `${caseId}:${trial}`;
}

/**
 * The columns of one batch row (`jsonb_to_recordset` in PERSIST_SQL): the result's columns, then the
 * artifact's per-case columns; run-wide values are statement parameters.
 */
const BATCH_COLUMNS = `
  case_id uuid, trial smallint, evaluation_mode evaluation_mode, status result_status, actual_output text, actual_sources text[],
  answer_correct boolean, source_correct boolean, quality_score numeric, criteria_scores jsonb, passed boolean,
  issue_tags text[], judge_reasoning text, error_code text, error_message text, latency_ms integer, notes jsonb,
  execution_latency_ms integer, judge_latency_ms integer, token_usage jsonb, judge_input jsonb, judge_output jsonb,
  execution_trace jsonb, cache_hit boolean, judge_cost_usd numeric`;

/**
 * $1 run id, $2 queue epoch, $3 org id, $4 the batch (JSON array of batchRow), $5..$9 judge mode, model,
 * prompt version, prompt hash and executor mode; returns the (case id, trial) pairs it inserted. The
 * data-modifying CTEs all run to completion; the inserts only happen while `owner` holds the run row (a
 * stale or cancelled execution inserts nothing), artifacts only for results this statement inserted,
 * and the progress counter grows by exactly that many (exact with several writers at once, unlike a
 * count(*), which cannot see rows of transactions committing concurrently).
 */
const PERSIST_SQL = `
WITH owner AS (
  SELECT id FROM eval_runs WHERE id = $1::uuid AND status = 'running' AND queue_epoch = $2::int FOR NO KEY UPDATE
), batch AS (
  SELECT * FROM jsonb_to_recordset($4::jsonb) AS b(${BATCH_COLUMNS})
), inserted AS (
  INSERT INTO eval_results (run_id, org_id, case_id, trial, evaluation_mode, status, actual_output, actual_sources, answer_correct,
    source_correct, quality_score, criteria_scores, passed, issue_tags, judge_reasoning, error_code, error_message, latency_ms, notes)
  SELECT $1::uuid, $3::uuid, b.case_id, b.trial, b.evaluation_mode, b.status, b.actual_output, coalesce(b.actual_sources, '{}'), b.answer_correct,
    b.source_correct, b.quality_score, b.criteria_scores, b.passed, coalesce(b.issue_tags, '{}'), b.judge_reasoning, b.error_code,
    b.error_message, b.latency_ms, coalesce(b.notes, '{}'::jsonb)
  FROM batch b
  WHERE EXISTS (SELECT 1 FROM owner)
  ON CONFLICT (run_id, case_id, trial) DO NOTHING
  RETURNING id, case_id, trial
), artifacts AS (
  INSERT INTO eval_run_artifacts (run_id, result_id, case_id, trial, org_id, evaluation_mode, judge_mode, judge_model, judge_prompt_version,
    judge_prompt_hash, executor_mode, case_latency_ms, execution_latency_ms, judge_latency_ms, token_usage, judge_input, judge_output,
    execution_trace, cache_hit, judge_cost_usd)
  SELECT $1::uuid, i.id, i.case_id, i.trial, $3::uuid, b.evaluation_mode, $5::text, $6::text, $7::text, $8::text, $9::text, b.latency_ms,
    b.execution_latency_ms, b.judge_latency_ms, b.token_usage, b.judge_input, b.judge_output, coalesce(b.execution_trace, '{}'::jsonb), b.cache_hit, b.judge_cost_usd
  FROM inserted i JOIN batch b ON b.case_id = i.case_id AND b.trial = i.trial
  ON CONFLICT (run_id, case_id, trial) DO NOTHING
), progress AS (
  UPDATE eval_runs r SET completed_cases = r.completed_cases + n.count, updated_at = now()
  FROM (SELECT count(*)::int AS count FROM inserted) n
  WHERE r.id = $1::uuid AND n.count > 0
)
SELECT case_id, trial FROM inserted`;

/**
 * One outcome as a batch row. Its judge cost: 0 for the deterministic judge and a cached verdict, null
 * without a verdict (no judge call: the agent call failed) or without a price for the model.
 */
function batchRow(o: CaseOutcome, judge: { mode: 'deterministic' | 'provider' }, price: TokenPrice | null) {
  const v = o.judged?.verdict;
  const cost = o.judged ? judgeCallCost(judge, o.judged.trace, o.judged.cache_hit, price).cost_usd : null;
  return {
    case_id: o.case.id,
    trial: o.case.trial,
    evaluation_mode: o.case.evaluation_mode,
    status: o.status,
    actual_output: wellFormed(o.execution?.output ?? null),
    actual_sources: (o.execution?.sources ?? []).map(wellFormed),
    answer_correct: o.case.evaluation_mode === 'answer' ? (v?.answer_correct ?? null) : null,
    source_correct: o.case.evaluation_mode === 'answer' ? (v?.source_correct ?? null) : null,
    quality_score: v ? v.quality_score : null,
    criteria_scores: o.case.evaluation_mode === 'criteria' ? (v?.criteria_scores ?? null) : null,
    passed: o.status === 'scored' ? o.passed : null,
    issue_tags: (v?.issue_tags ?? []).map(wellFormed),
    judge_reasoning: wellFormed(v?.reasoning ?? null),
    error_code: wellFormed(o.error?.code ?? null),
    error_message: wellFormed(o.error?.message ?? null),
    latency_ms: o.case_latency_ms,
    notes: {
      execution_latency_ms: o.execution?.latency_ms ?? null,
      judge_latency_ms: o.judged?.trace.latency_ms ?? null,
      cache_hit: o.judged?.cache_hit ?? false,
      error_details: o.error?.details ?? undefined,
      retryable: o.error?.retryable ?? undefined,
    },
    execution_latency_ms: o.execution?.latency_ms ?? 0,
    judge_latency_ms: o.judged?.trace.latency_ms ?? 0,
    token_usage: o.judged?.trace.token_usage ?? null,
    judge_input: o.judged?.trace.judge_input ?? null,
    judge_output: o.judged?.trace.judge_output ?? null,
    execution_trace: o.execution?.trace ?? { error: o.error },
    cache_hit: o.judged?.cache_hit ?? false,
    judge_cost_usd: cost,
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text columns travel inside the batch's JSON, where a lone surrogate is an escape PostgreSQL rejects;
 * as a text parameter it used to become U+FFFD on the way to UTF-8. Same result here.
 */
function wellFormed<T extends string | null>(s: T): T {
  return (s === null || isWellFormed(s) ? s : s.replace(LONE_SURROGATE, '\uFFFD')) as T;
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { EvalRunEntity, GoldenSetCaseEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { ActivityService } from '../activity/activity.service';
import { DomainError } from '../domain-error';
import { GoldenSetsService } from '../golden-sets/golden-sets.service';
import { GuardedHttpClient } from '../outbound/guarded-http-client';
import { mapWithConcurrency } from './concurrency';
import { EvalRunsService, presentRun, RunSummary, RunView, transitionError } from './eval-runs.service';
import { isWellFormed } from './agent-response';
import { CaseToExecute, ExecutionOutput, Executor, ExecutorError, HttpAgentExecutor, SimulatedExecutor } from './executors';
import { CachingJudge, createJudge } from './judge-factory';
import type { Judge, JudgeInput, JudgeResult, JudgeVerdict } from './judge.types';
import { assertPolicyContract } from './policy-contract';
import { KeyedBatcher } from './keyed-batcher';
import { CASES_AS_OF_SQL, RunConfig } from './run-config';

/** What a run needs while it executes, built once from its frozen config. */
export interface RunContext {
  run: EvalRunEntity;
  /** The queue epoch this execution belongs to; writes and the terminal move require it. */
  epoch: number;
  config: RunConfig;
  judge: CachingJudge;
  executor: Executor;
}

export type CaseRow = CaseToExecute & { position: number };

/** What decides whether an execution may go on with a run. */
export type RunState = Pick<EvalRunEntity, 'id' | 'status' | 'queue_epoch' | 'started_at'>;

export interface CaseOutcome {
  case: CaseRow;
  status: 'scored' | 'error';
  execution: ExecutionOutput | null;
  judged: (JudgeResult & { cache_hit: boolean }) | null;
  input: JudgeInput | null;
  error: { code: string; message: string; details: unknown; retryable: boolean } | null;
  passed: boolean | null;
  case_latency_ms: number;
}

const PAGE = 250;

/**
 * Executes runs: calls the agent for each case, judges the answer, checks the profile's policy
 * contract and stores one result and one artifact per case. Writes go in batches, and every write
 * is idempotent on (run_id, case_id), so a case executed twice still has one result.
 */
@Injectable()
export class RunExecutionService {
  private readonly logger = new Logger('RunExecution');
  /** Writes of one run and epoch: one statement in flight, the calls behind it grouped (group commit). */
  private readonly writes = new KeyedBatcher<PendingWrite, number>(
    MAX_WRITE_ROWS,
    (w) => w.outcomes.length,
    async (batch) => {
      const inserted = await this.writeOutcomes(batch[0].ctx, batch.flatMap((w) => w.outcomes));
      return batch.map((w) => claim(inserted, w.outcomes));
    },
  );
  /** Chunk-case loads of one run, grouped the same way. */
  private readonly loads = new KeyedBatcher<PendingLoad, ChunkCase[]>(
    MAX_LOAD_IDS,
    (l) => l.ids.length,
    async (batch) => {
      const rows = await this.queryChunkCases(batch[0].params, batch.length === 1 ? batch[0].ids : batch.flatMap((g) => g.ids));
      return batch.length === 1 ? [rows] : splitByRequest(rows, batch);
    },
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runs: EvalRunsService,
    private readonly goldenSets: GoldenSetsService,
    private readonly http: GuardedHttpClient,
    private readonly activity: ActivityService,
    private readonly config: AppConfig,
  ) {}

  /** `POST /eval/runs/{id}/execute`: the whole run in this request (small runs, debugging). */
  async executeSync(actor: Actor, runId: string): Promise<{ run: RunView; summary: RunSummary }> {
    const run = await this.runs.load(actor, runId);
    if (run.status === 'cancelled') throw cancelledError(run.id);
    const max = this.config.get('EVAL_SYNC_MAX_CASES');
    if (run.total_cases > max) {
      throw new DomainError(ErrorCode.EVAL_RUN_TOO_LARGE_FOR_SYNC, `the run has ${run.total_cases} cases; execute runs at most ${max} synchronously`, {
        run_id: run.id,
        total_cases: run.total_cases,
        max_sync_cases: max,
      });
    }
    if (run.status !== 'pending') throw transitionError(run.id, run.status, 'running');
    await this.checkGates(run);
    // Claiming a new epoch makes any start job queued for this run stale: never two executions at once.
    const running = await this.runs.transition(run.id, 'pending', 'running', { bump_epoch: true }).catch((err: unknown) => {
      // Cancelled by someone else since it was read: the same answer as a run that was cancelled already.
      const lostToCancel = err instanceof DomainError && err.code === ErrorCode.EVAL_RUN_STATUS_TRANSITION_INVALID && asObject(err.details).status === 'cancelled';
      throw lostToCancel ? cancelledError(run.id) : err;
    });
    const ctx = this.prepare(running);
    const started = performance.now();
    try {
      let after: { position: number; id: string } | null = null;
      // A page's results are written while the next page executes; writes stay in order.
      let writing: Promise<unknown> = Promise.resolve();
      for (;;) {
        if (!(await this.stillOwns(ctx))) {
          await writing;
          const stopped = await this.runs.load(actor, run.id);
          return { run: presentRun(stopped), summary: await this.runs.summarize(stopped) };
        }
        const cases = await this.loadCases(running, after, PAGE);
        if (cases.length === 0) break;
        const outcomes = await mapWithConcurrency(cases, this.config.get('EVAL_SYNC_CONCURRENCY'), (c) => this.executeCase(ctx, c));
        await writing;
        writing = this.persistOutcomes(ctx, outcomes);
        writing.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
        const last = cases[cases.length - 1];
        after = { position: last.position, id: last.id };
      }
      await writing;
      const finished = await this.finish(ctx, performance.now() - started);
      return { run: presentRun(finished), summary: await this.runs.summarize(finished) };
    } catch (err) {
      await this.failRun(ctx, err, performance.now() - started);
      if (err instanceof DomainError) {
        throw new DomainError(err.code, err.message, { ...(asObject(err.details)), run_id: run.id, run_status: 'failed' }, err.status);
      }
      throw err;
    }
  }

  /** Step 120: a run that asks for the golden-set quality gate does not start while it is blocked. */
  async checkGates(run: EvalRunEntity): Promise<void> {
    const { gates } = run.config as unknown as RunConfig;
    if (!gates?.require_golden_set_quality_gate) return;
    const set = await this.db.query(`SELECT version FROM golden_sets WHERE id = $1`, [run.golden_set_id]);
    const status = await this.goldenSets.computeQualityGate(this.db.manager, run.golden_set_id, Number(set[0]?.version ?? 1), {
      min_active_case_count: gates.min_active_case_count,
      min_verified_case_ratio: gates.min_verified_case_ratio,
    });
    if (!status.passed) {
      throw new DomainError(ErrorCode.GOLDEN_SET_QUALITY_GATE_BLOCKED, 'the golden set quality gate blocks this run', {
        run_id: run.id,
        quality_gate: status,
      });
    }
  }

  /** True while the run is still running at this execution's epoch (not cancelled, not restarted). */
  async stillOwns(ctx: RunContext): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM eval_runs WHERE id = $1 AND status = 'running' AND queue_epoch = $2`, [ctx.run.id, ctx.epoch]);
    return rows.length > 0;
  }

  /** The judge (with a per-run cache) and executor of a run, from its frozen config. */
  prepare(run: EvalRunEntity): RunContext {
    const config = run.config as unknown as RunConfig;
    const judge: Judge = createJudge(config.judge, {
      apiKey: this.config.get('OPENAI_API_KEY'),
      baseURL: this.config.get('OPENAI_BASE_URL') || undefined,
      defaultModel: this.config.get('EVAL_JUDGE_MODEL'),
      timeoutMs: this.config.get('EVAL_JUDGE_TIMEOUT_MS'),
      maxRetries: this.config.get('EVAL_JUDGE_MAX_RETRIES'),
      fetch: this.http.fetch,
    });
    const executor: Executor = config.executor.mode === 'agent_http' ? new HttpAgentExecutor(this.http, config.executor) : new SimulatedExecutor();
    return { run, epoch: run.queue_epoch, config, judge: new CachingJudge(judge), executor };
  }

  /** Cases of the run after `after` in (position, id) order: the run's frozen case set. */
  async loadCases(run: EvalRunEntity, after: { position: number; id: string } | null, limit: number): Promise<CaseRow[]> {
    const config = run.config as unknown as RunConfig;
    const qb = this.db
      .getRepository(GoldenSetCaseEntity)
      .createQueryBuilder('c')
      .select(['c.id', 'c.position', 'c.input', 'c.evaluation_mode', 'c.expected_answer', 'c.expected_sources', 'c.criteria', 'c.dimensions'])
      .where('c.golden_set_id = :set', { set: run.golden_set_id })
      .andWhere(CASES_AS_OF_SQL, { asOf: config.cases_as_of });
    if (after) qb.andWhere('(c.position, c.id) > (:pos, :cid)', { pos: after.position, cid: after.id });
    const rows = await qb.orderBy('c.position', 'ASC').addOrderBy('c.id', 'ASC').limit(limit).getMany();
    return rows.map(toCaseRow);
  }

  /**
   * The ids of the run's frozen case set in (position, id) order, for fanning a run out. Plain SQL in
   * keyset pages: a start job needs only ids, not hydrated entities.
   */
  async loadCaseIds(run: EvalRunEntity, pageSize = 10_000): Promise<string[]> {
    const config = run.config as unknown as RunConfig;
    const ids: string[] = [];
    let after: { position: number; id: string } | null = null;
    for (;;) {
      const params: unknown[] = [run.golden_set_id, config.cases_as_of, pageSize];
      const keyset = after ? `AND (c.position, c.id) > ($${params.push(after.position)}, $${params.push(after.id)}::uuid)` : '';
      const rows: { id: string; position: number }[] = await this.db.query(
        `SELECT c.id, c.position FROM golden_set_cases c
         WHERE c.golden_set_id = $1 AND ${asOfSql('$2')} ${keyset}
         ORDER BY c.position, c.id LIMIT $3`,
        params,
      );
      for (const r of rows) ids.push(r.id);
      if (rows.length < pageSize) return ids;
      after = rows[rows.length - 1];
    }
  }

  /**
   * A chunk job's cases (still limited to the run's frozen case set) in (position, id) order, each
   * flagged `done` when it already has a result. One round trip, no entity hydration: this runs once
   * per chunk on the worker's hot path.
   */
  loadChunkCases(run: EvalRunEntity, ids: string[]): Promise<ChunkCase[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const config = run.config as unknown as RunConfig;
    const params: ChunkLoadParams = { runId: run.id, goldenSetId: run.golden_set_id, asOf: config.cases_as_of };
    // Loads of one run are grouped like its writes: one query in flight, the chunks that ask meanwhile
    // go together in the next one. A run's chunks start in waves (a finished chunk's slot takes the
    // next one), and each query is a round trip that wakes the database and this process.
    return this.loads.submit(`${params.runId}:${params.goldenSetId}:${String(params.asOf)}`, { params, ids });
  }

  private queryChunkCases(p: ChunkLoadParams, ids: string[]): Promise<ChunkCase[]> {
    return this.prepared('greenlight_chunk_cases', CHUNK_CASES_SQL, [p.runId, p.goldenSetId, ids, p.asOf]);
  }

  /** A run's status, queue epoch and start: what a worker checks before each case. */
  async runState(runId: string): Promise<RunState | null> {
    const [row] = await this.prepared<RunState>('greenlight_run_state', `SELECT id, status, queue_epoch, started_at FROM eval_runs WHERE id = $1`, [runId]);
    return row ?? null;
  }

  /** Cases of the run that have no result yet. */
  async missingCases(run: EvalRunEntity): Promise<CaseRow[]> {
    const config = run.config as unknown as RunConfig;
    const rows = await this.db
      .getRepository(GoldenSetCaseEntity)
      .createQueryBuilder('c')
      .where('c.golden_set_id = :set', { set: run.golden_set_id })
      .andWhere(CASES_AS_OF_SQL, { asOf: config.cases_as_of })
      .andWhere('NOT EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = :run AND r.case_id = c.id)', { run: run.id })
      .orderBy('c.position', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .getMany();
    return rows.map(toCaseRow);
  }

  /**
   * One case: call the agent, judge, check the policy contract. An agent failure becomes an error
   * result (the run goes on); judge and policy failures throw (they are the run's configuration).
   */
  async executeCase(ctx: RunContext, c: CaseRow, signal?: AbortSignal): Promise<CaseOutcome> {
    const started = performance.now();
    let execution: ExecutionOutput;
    try {
      execution = await ctx.executor.execute(c, signal);
    } catch (err) {
      if (!(err instanceof ExecutorError)) throw err;
      return {
        case: c,
        status: 'error',
        execution: null,
        judged: null,
        input: null,
        error: { code: err.code, message: err.message, details: err.details, retryable: err.retryable },
        passed: null,
        case_latency_ms: Math.round(performance.now() - started),
      };
    }
    const input: JudgeInput = {
      mode: c.evaluation_mode,
      case: { input: c.input, expected_answer: c.expected_answer, expected_sources: c.expected_sources, criteria: c.criteria, dimensions: c.dimensions },
      actual: { output: execution.output, sources: execution.sources },
      profile: ctx.config.profile,
    };
    const judged = await ctx.judge.judgeWithCache(input);
    // The column keeps 2 decimals: round first, so `passed` and the stored score always agree.
    judged.verdict.quality_score = Math.round(judged.verdict.quality_score * 100) / 100;
    assertPolicyContract(judged.verdict, input);
    return {
      case: c,
      status: 'scored',
      execution,
      judged,
      input,
      error: null,
      passed: computePassed(judged.verdict, c.evaluation_mode, ctx.config.profile.scoring_scale.pass_threshold),
      case_latency_ms: Math.round(performance.now() - started),
    };
  }

  /**
   * Stores the results and artifacts of a batch; a case already stored is left as it is. Resolves once
   * they are committed, with the number of results this call inserted (0 when this execution no longer
   * owns the run).
   *
   * Calls for one run and epoch are group-committed: one write is in flight at a time and the calls
   * that arrive meanwhile go together in the next one. They would queue anyway (each write takes the
   * run row's lock), and one statement for many chunks saves a parse, a lock hand-off, a commit and a
   * WAL flush per chunk. Should a combined write fail, each call's outcomes are written on their own,
   * so one call's bad data never fails another's.
   */
  persistOutcomes(ctx: RunContext, outcomes: CaseOutcome[]): Promise<number> {
    if (outcomes.length === 0) return Promise.resolve(0);
    return this.writes.submit(`${ctx.run.id}:${ctx.epoch}`, { ctx, outcomes });
  }

  /**
   * One statement, so one round trip and one implicit transaction. It takes the run row's lock first
   * and exclusively (NO KEY UPDATE, which the results' foreign keys do not conflict with): writes of
   * one run queue up instead of deadlocking on the progress update, and a cancel, a terminal move or a
   * reopen cannot slip in before commit. Every write of a run needs that lock, so it is held as briefly
   * as possible: never across a round trip to this process (whose event loop is busy with dozens of
   * chunks), only for the inserts and the commit. Returns the ids of the cases it inserted.
   */
  private async writeOutcomes(ctx: RunContext, outcomes: CaseOutcome[]): Promise<Set<string>> {
    const { run, config, judge } = ctx;
    // One row per case (first wins) in case two executions of the same chunk meet in one write.
    const rows = new Map<string, ReturnType<typeof batchRow>>();
    for (const o of outcomes) if (!rows.has(o.case.id)) rows.set(o.case.id, batchRow(o));
    const inserted = await this.prepared<{ case_id: string }>('greenlight_persist_outcomes', PERSIST_SQL, [
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
    return new Set(inserted.map((r) => r.case_id));
  }

  /**
   * A hot-path statement as a named prepared statement on the pool TypeORM uses: PostgreSQL parses and
   * plans it once per connection rather than on every call, which for these short statements is most
   * of their cost (the write statement: about 0.75 ms unprepared against 0.13 ms prepared).
   */
  private async prepared<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    const pool = (this.db.driver as PostgresDriver).master as Pool;
    return (await pool.query({ name, text, values })).rows as T[];
  }

  /** Ends a running run: failed when no case could be executed, completed otherwise. */
  async finish(ctx: RunContext, elapsedMs: number): Promise<EvalRunEntity> {
    const { run } = ctx;
    const [{ total, errors }] = await this.db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'error')::int AS errors FROM eval_results WHERE run_id = $1`,
      [run.id],
    );
    const execution = this.executionSummary(ctx, elapsedMs, Number(total), Number(errors));
    let finished: EvalRunEntity;
    if (Number(total) > 0 && Number(errors) === Number(total)) {
      const [first] = await this.db.query(`SELECT error_message FROM eval_results WHERE run_id = $1 AND status = 'error' LIMIT 1`, [run.id]);
      finished = await this.runs.transition(run.id, 'running', 'failed', {
        epoch: ctx.epoch,
        failure_code: ErrorCode.EVAL_EXECUTOR_RUNTIME_ERROR,
        failure_reason: `every case failed to execute; first error: ${first?.error_message ?? 'unknown'}`,
        design_context: { execution },
      });
    } else {
      finished = await this.runs.transition(run.id, 'running', 'completed', { epoch: ctx.epoch, design_context: { execution } });
    }
    await this.recordFinished(finished);
    return finished;
  }

  /** Marks a running run failed with the error's code; never throws (the original error matters more). */
  async failRun(ctx: RunContext, err: unknown, elapsedMs: number): Promise<void> {
    const code = err instanceof DomainError ? err.code : ErrorCode.INTERNAL_ERROR;
    const reason = err instanceof DomainError ? err.message : 'internal error during execution';
    if (!(err instanceof DomainError)) this.logger.error(`run ${ctx.run.id} failed: ${(err as Error)?.stack ?? String(err)}`);
    try {
      const failed = await this.runs.transition(ctx.run.id, 'running', 'failed', {
        epoch: ctx.epoch,
        failure_code: code,
        failure_reason: reason,
        design_context: { execution: this.executionSummary(ctx, elapsedMs, null, null) },
      });
      await this.recordFinished(failed);
    } catch (markErr) {
      this.logger.warn(`could not mark run ${ctx.run.id} failed: ${(markErr as Error).message}`);
    }
  }

  private executionSummary(ctx: RunContext, elapsedMs: number, results: number | null, errors: number | null) {
    return {
      executed_at: new Date().toISOString(),
      duration_ms: Math.round(elapsedMs),
      result_count: results,
      error_count: errors,
      judge_cache: { hits: ctx.judge.hits, misses: ctx.judge.misses },
      executor_mode: ctx.config.executor.mode,
      judge_mode: ctx.config.judge.mode,
    };
  }

  private async recordFinished(run: EvalRunEntity): Promise<void> {
    await this.activity.record(this.db.manager, null, {
      org_id: run.org_id,
      agent_id: run.agent_id,
      event_type: run.status === 'completed' ? 'run_completed' : 'run_failed',
      metadata: { run_id: run.id, status: run.status, failure_code: run.failure_code, completed_cases: run.completed_cases },
    });
  }
}

/** A result passes when its quality reaches the profile threshold and, in answer mode, the answer and sources are right. */
export function computePassed(v: JudgeVerdict, mode: 'answer' | 'criteria', threshold: number): boolean {
  if (v.quality_score < threshold) return false;
  if (mode === 'answer') return v.answer_correct === true && v.source_correct !== false;
  return true;
}

/**
 * $1 run id, $2 golden set id, $3 the chunk's case ids, $4 the run's cases_as_of. The cases are looked
 * up by primary key first (a materialized CTE): given `golden_set_id = $2` as well, the planner may
 * otherwise scan the whole set through golden_set_cases_set_idx and filter the ids out of it (it does
 * when the set was uploaded since the last ANALYZE, the usual case), which costs every chunk time in
 * proportion to the size of the set: 0.8 ms rather than 0.2 ms for a chunk of a 3000-case set.
 */
const CHUNK_CASES_SQL = `
WITH picked AS MATERIALIZED (SELECT * FROM golden_set_cases WHERE id = ANY($3::uuid[]))
SELECT c.id, c.position, c.input, c.evaluation_mode, c.expected_answer, c.expected_sources, c.criteria, c.dimensions,
       EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = $1 AND r.case_id = c.id) AS done
FROM picked c
WHERE c.golden_set_id = $2 AND ${asOfSql('$4')}
ORDER BY c.position, c.id`;

/** Most outcomes one group-committed write combines (a single larger call still goes in one piece). */
const MAX_WRITE_ROWS = 1000;

export type ChunkCase = CaseRow & { done: boolean };

/** Most case ids one grouped chunk load asks for (a single larger call still goes in one piece). */
const MAX_LOAD_IDS = 1000;

/** What CHUNK_CASES_SQL needs besides the ids: fixed for a run. */
interface ChunkLoadParams {
  runId: string;
  goldenSetId: string;
  asOf: unknown;
}

/** One loadChunkCases call. */
interface PendingLoad {
  params: ChunkLoadParams;
  ids: string[];
}

/**
 * The rows of a grouped load, split back per call: each gets the rows of its own ids, still in the
 * query's (position, id) order. Two calls asking for the same case (a chunk delivered twice) each get
 * their own row object. Ids are matched in canonical form, as PostgreSQL matched them.
 */
function splitByRequest(rows: ChunkCase[], group: PendingLoad[]): ChunkCase[][] {
  const owners = new Map<string, number[]>();
  group.forEach((g, i) => {
    for (const id of g.ids) {
      const key = uuidKey(id);
      const list = owners.get(key);
      if (!list) owners.set(key, [i]);
      else if (!list.includes(i)) list.push(i);
    }
  });
  const parts: ChunkCase[][] = group.map(() => []);
  for (const row of rows) {
    const list = owners.get(uuidKey(row.id));
    if (!list) continue;
    list.forEach((i, k) => parts[i].push(k === 0 ? row : { ...row }));
  }
  return parts;
}

/** A uuid's text in one form (PostgreSQL also reads upper case, braces and no hyphens). */
function uuidKey(id: string): string {
  return id.toLowerCase().replace(/[{}-]/g, '');
}

/** One persistOutcomes call. */
interface PendingWrite {
  ctx: RunContext;
  outcomes: CaseOutcome[];
}

/** How many of `outcomes` a write inserted; a case is counted once even if two calls carried it. */
function claim(inserted: Set<string>, outcomes: CaseOutcome[]): number {
  let n = 0;
  for (const o of outcomes) if (inserted.delete(o.case.id)) n++;
  return n;
}

/**
 * The columns of one batch row (`jsonb_to_recordset` in PERSIST_SQL): the result's columns, then the
 * artifact's per-case columns; run-wide values are statement parameters.
 */
const BATCH_COLUMNS = `
  case_id uuid, evaluation_mode evaluation_mode, status result_status, actual_output text, actual_sources text[],
  answer_correct boolean, source_correct boolean, quality_score numeric, criteria_scores jsonb, passed boolean,
  issue_tags text[], judge_reasoning text, error_code text, error_message text, latency_ms integer, notes jsonb,
  execution_latency_ms integer, judge_latency_ms integer, token_usage jsonb, judge_input jsonb, judge_output jsonb,
  execution_trace jsonb, cache_hit boolean`;

/**
 * $1 run id, $2 queue epoch, $3 org id, $4 the batch (JSON array of batchRow), $5..$9 judge mode, model,
 * prompt version, prompt hash and executor mode; returns the ids of the cases it inserted. The
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
  INSERT INTO eval_results (run_id, org_id, case_id, evaluation_mode, status, actual_output, actual_sources, answer_correct,
    source_correct, quality_score, criteria_scores, passed, issue_tags, judge_reasoning, error_code, error_message, latency_ms, notes)
  SELECT $1::uuid, $3::uuid, b.case_id, b.evaluation_mode, b.status, b.actual_output, coalesce(b.actual_sources, '{}'), b.answer_correct,
    b.source_correct, b.quality_score, b.criteria_scores, b.passed, coalesce(b.issue_tags, '{}'), b.judge_reasoning, b.error_code,
    b.error_message, b.latency_ms, coalesce(b.notes, '{}'::jsonb)
  FROM batch b
  WHERE EXISTS (SELECT 1 FROM owner)
  ON CONFLICT (run_id, case_id) DO NOTHING
  RETURNING id, case_id
), artifacts AS (
  INSERT INTO eval_run_artifacts (run_id, result_id, case_id, org_id, evaluation_mode, judge_mode, judge_model, judge_prompt_version,
    judge_prompt_hash, executor_mode, case_latency_ms, execution_latency_ms, judge_latency_ms, token_usage, judge_input, judge_output,
    execution_trace, cache_hit)
  SELECT $1::uuid, i.id, i.case_id, $3::uuid, b.evaluation_mode, $5::text, $6::text, $7::text, $8::text, $9::text, b.latency_ms,
    b.execution_latency_ms, b.judge_latency_ms, b.token_usage, b.judge_input, b.judge_output, coalesce(b.execution_trace, '{}'::jsonb), b.cache_hit
  FROM inserted i JOIN batch b ON b.case_id = i.case_id
  ON CONFLICT (run_id, case_id) DO NOTHING
), progress AS (
  UPDATE eval_runs r SET completed_cases = r.completed_cases + n.count, updated_at = now()
  FROM (SELECT count(*)::int AS count FROM inserted) n
  WHERE r.id = $1::uuid AND n.count > 0
)
SELECT case_id FROM inserted`;

function batchRow(o: CaseOutcome) {
  const v = o.judged?.verdict;
  return {
    case_id: o.case.id,
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

/** CASES_AS_OF_SQL with a positional parameter, for plain queries. */
function asOfSql(param: string): string {
  return CASES_AS_OF_SQL.replace(/:asOf\b/g, param);
}

function toCaseRow(c: GoldenSetCaseEntity): CaseRow {
  return {
    id: c.id,
    position: c.position,
    input: c.input,
    evaluation_mode: c.evaluation_mode,
    expected_answer: c.expected_answer,
    expected_sources: c.expected_sources,
    criteria: c.criteria,
    dimensions: c.dimensions,
  };
}

/** A cancelled run is not executed again in place; `start` reopens it (its results are cleared). */
function cancelledError(runId: string): DomainError {
  return new DomainError(ErrorCode.EVAL_RUN_CANCELLED, 'the run was cancelled; start it again (POST .../start reopens it) or create a new run', {
    run_id: runId,
    status: 'cancelled',
  });
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : v === null || v === undefined ? {} : { details: v };
}

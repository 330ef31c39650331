import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { EvalRunEntity, GoldenSetCaseEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { DomainError } from '@greenlight/platform';
import { GoldenSetsService } from '@greenlight/golden-sets';
import { GuardedHttpClient } from '@greenlight/platform';
import { mapWithConcurrency } from './concurrency';
import { EvalRunsService, presentRun, RunSummary, RunView } from './eval-runs.service';
import { RunLifecycle } from './lifecycle/run-lifecycle';
import { cancelledError, transitionError } from './lifecycle/run-transitions';
import { ExecutionOutput, Executor, ExecutorError, HttpAgentExecutor, SimulatedExecutor } from './executors';
import { CachingJudge, createJudge } from '@greenlight/judging';
import type { Judge, JudgeInput, JudgeVerdict } from '@greenlight/judging';
import { assertPolicyContract } from '@greenlight/judging';
import { ChunkCase, ChunkCaseLoader } from './chunk-cases';
import { preparedQuery, ProgressiveWrites, RunResultWriter } from './result-writer';
import { asOfSql, CASES_AS_OF_SQL, RunConfig } from './run-config';
import type { CaseOutcome, CaseRow, RunContext } from './run-execution.types';
export type { CaseOutcome, CaseRow, RunContext } from './run-execution.types';
export type { ChunkCase } from './chunk-cases';

/** What decides whether an execution may go on with a run. */
export type RunState = Pick<EvalRunEntity, 'id' | 'status' | 'queue_epoch' | 'started_at'>;

const PAGE = 250;

/**
 * Executes runs: calls the agent for each case, judges the answer, checks the profile's policy
 * contract and stores one result and one artifact per case. Writes go in batches, and every write
 * is idempotent on (run_id, case_id), so a case executed twice still has one result; cases that have
 * a result are not executed again.
 */
@Injectable()
export class RunExecutionService {
  private readonly logger = new Logger('RunExecution');

  private readonly writer: RunResultWriter;
  private readonly chunkCases: ChunkCaseLoader;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runs: EvalRunsService,
    private readonly goldenSets: GoldenSetsService,
    private readonly http: GuardedHttpClient,
    private readonly lifecycle: RunLifecycle,
    private readonly config: AppConfig,
  ) {
    this.writer = new RunResultWriter(db);
    this.chunkCases = new ChunkCaseLoader(db);
  }

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
    const running = await this.lifecycle.begin(run.id, 'sync', { bumpEpoch: true }).catch((err: unknown) => {
      // Cancelled by someone else since it was read: the same answer as a run that was cancelled already.
      const lostToCancel =
        err instanceof DomainError && err.code === ErrorCode.EVAL_RUN_STATUS_TRANSITION_INVALID && asObject(err.details).status === 'cancelled';
      throw lostToCancel ? cancelledError(run.id) : err;
    });
    const ctx = this.prepare(running);
    const started = performance.now();
    // Outcomes are written as cases finish (bounded batches), so a process that dies mid-run keeps them.
    const writes = new ProgressiveWrites((outcomes) => this.persistOutcomes(ctx, outcomes));
    try {
      let after: { position: number; id: string } | null = null;
      for (;;) {
        if (!(await this.stillRunningAtEpoch(ctx))) {
          await writes.drain();
          const stopped = await this.runs.load(actor, run.id);
          return { run: presentRun(stopped), summary: await this.runs.summarize(stopped) };
        }
        const cases = await this.loadCases(running, after, PAGE);
        if (cases.length === 0) break;
        await mapWithConcurrency(cases, this.config.get('EVAL_SYNC_CONCURRENCY'), async (c) => {
          writes.check();
          writes.add(await this.executeCase(ctx, c));
        });
        const last = cases[cases.length - 1];
        after = { position: last.position, id: last.id };
      }
      await writes.drain();
      const finished = await this.finish(ctx, performance.now() - started, { execution: 'sync' });
      return { run: presentRun(finished), summary: await this.runs.summarize(finished) };
    } catch (err) {
      await this.failOnError(ctx, err, performance.now() - started);
      if (err instanceof DomainError) {
        throw new DomainError(err.code, err.message, { ...asObject(err.details), run_id: run.id, run_status: 'failed' });
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
  async stillRunningAtEpoch(ctx: RunContext): Promise<boolean> {
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

  /** Cases of the run after `after` in (position, id) order that have no result yet: the run's frozen case set. */
  async loadCases(run: EvalRunEntity, after: { position: number; id: string } | null, limit: number): Promise<CaseRow[]> {
    const config = run.config as unknown as RunConfig;
    const qb = this.db
      .getRepository(GoldenSetCaseEntity)
      .createQueryBuilder('c')
      .select(['c.id', 'c.position', 'c.input', 'c.evaluation_mode', 'c.expected_answer', 'c.expected_sources', 'c.criteria', 'c.dimensions'])
      .where('c.golden_set_id = :set', { set: run.golden_set_id })
      .andWhere(CASES_AS_OF_SQL, { asOf: config.cases_as_of })
      .andWhere('NOT EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = :run AND r.case_id = c.id)', { run: run.id });
    if (after) qb.andWhere('(c.position, c.id) > (:pos, :cid)', { pos: after.position, cid: after.id });
    const rows = await qb.orderBy('c.position', 'ASC').addOrderBy('c.id', 'ASC').limit(limit).getMany();
    return rows.map(toCaseRow);
  }

  /**
   * The ids of the run's frozen case set that have no result yet, in (position, id) order, for fanning
   * a run out (a resumed run fans out only what is left). Plain SQL in keyset pages: a start job needs
   * only ids, not hydrated entities.
   */
  async loadCaseIds(run: EvalRunEntity, pageSize = 10_000): Promise<string[]> {
    const config = run.config as unknown as RunConfig;
    const ids: string[] = [];
    let after: { position: number; id: string } | null = null;
    for (;;) {
      const params: unknown[] = [run.golden_set_id, config.cases_as_of, pageSize, run.id];
      const keyset = after ? `AND (c.position, c.id) > ($${params.push(after.position)}, $${params.push(after.id)}::uuid)` : '';
      const rows: { id: string; position: number }[] = await this.db.query(
        `SELECT c.id, c.position FROM golden_set_cases c
         WHERE c.golden_set_id = $1 AND ${asOfSql('$2')} ${keyset}
           AND NOT EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = $4 AND r.case_id = c.id)
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
   * flagged `done` when it already has a result (see ChunkCaseLoader).
   */
  loadChunkCases(run: EvalRunEntity, ids: string[]): Promise<ChunkCase[]> {
    return this.chunkCases.load(run, ids);
  }

  /** A run's status, queue epoch and start: what a worker checks before each case. */
  async runState(runId: string): Promise<RunState | null> {
    const [row] = await preparedQuery<RunState>(this.db, 'greenlight_run_state', `SELECT id, status, queue_epoch, started_at FROM eval_runs WHERE id = $1`, [
      runId,
    ]);
    return row ?? null;
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
   * Stores the results and artifacts of a batch (see RunResultWriter): a case already stored is left
   * as it is; resolves with the number of results this call inserted, 0 when the execution no longer
   * owns the run.
   */
  persistOutcomes(ctx: RunContext, outcomes: CaseOutcome[]): Promise<number> {
    return this.writer.persist(ctx, outcomes);
  }

  /**
   * Ends a running run from its results: failed when no case could be executed, completed otherwise.
   * `details` go to the run's terminal event.
   */
  async finish(ctx: RunContext, elapsedMs: number, details: Record<string, unknown> = {}): Promise<EvalRunEntity> {
    const { run } = ctx;
    const [{ total, errors }] = await this.db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'error')::int AS errors FROM eval_results WHERE run_id = $1`,
      [run.id],
    );
    const design_context = { execution: this.executionSummary(ctx, elapsedMs, Number(total), Number(errors)) };
    if (Number(total) > 0 && Number(errors) === Number(total)) {
      const [first] = await this.db.query(`SELECT error_message FROM eval_results WHERE run_id = $1 AND status = 'error' LIMIT 1`, [run.id]);
      const failure = {
        code: ErrorCode.EVAL_EXECUTOR_RUNTIME_ERROR,
        reason: `every case failed to execute; first error: ${first?.error_message ?? 'unknown'}`,
      };
      return this.lifecycle.fail(run.id, ctx.epoch, failure, { design_context, details });
    }
    return this.lifecycle.complete(run.id, ctx.epoch, { design_context, details });
  }

  /** Marks a running run failed with the error's code; never throws (the original error matters more). */
  private async failOnError(ctx: RunContext, err: unknown, elapsedMs: number): Promise<void> {
    const code = err instanceof DomainError ? err.code : ErrorCode.INTERNAL_ERROR;
    const reason = err instanceof DomainError ? err.message : 'internal error during execution';
    if (!(err instanceof DomainError)) this.logger.error(`run ${ctx.run.id} failed: ${(err as Error)?.stack ?? String(err)}`);
    try {
      await this.lifecycle.fail(
        ctx.run.id,
        ctx.epoch,
        { code, reason },
        { design_context: { execution: this.executionSummary(ctx, elapsedMs, null, null) }, details: { reason, execution: 'sync' } },
      );
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
}

/** A result passes when its quality reaches the profile threshold and, in answer mode, the answer and sources are right. */
export function computePassed(v: JudgeVerdict, mode: 'answer' | 'criteria', threshold: number): boolean {
  if (v.quality_score < threshold) return false;
  if (mode === 'answer') return v.answer_correct === true && v.source_correct !== false;
  return true;
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

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : v === null || v === undefined ? {} : { details: v };
}

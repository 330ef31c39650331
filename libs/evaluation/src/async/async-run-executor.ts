import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DelayedError, Job } from 'bullmq';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode, JobPayloads } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { Clock, DomainError } from '@greenlight/platform';
import { JobProducer, REDIS_CLIENT } from '@greenlight/queue';
import { ExecutorError } from '../agent-calls/executors';
import { BudgetExceeded, budgetFailureReason, budgetLimits, BudgetStop } from '../budget/run-budget';
import { RunBudgetLedger } from '../budget/run-budget-ledger';
import { CaseLoader } from '../execution/case-loader';
import { CaseRunner } from '../execution/case-runner';
import type { CaseOutcome, CaseRow, RunContext } from '../execution/execution.types';
import { RunResultWriter } from '../execution/result-writer';
import { RunEventLog } from '../lifecycle/run-event-log';
import { RunLifecycle } from '../lifecycle/run-lifecycle';
import { chunkJobId, finalizeJobId } from '../queue/job-ids';
import { RunRecoveryService } from '../queue/run-recovery.service';
import { CaseSlots } from './case-slots';
import { runChunkCases } from './chunk-runner';
import { isInfrastructureError } from './infrastructure-errors';
import { RunContextCache } from './run-context-cache';
import { RunState, RunStateCache } from './run-state-cache';

const MAX_PRIORITY = 2_000_000;
const RETRYABLE_JUDGE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504]);

/**
 * The worker's side of async runs, one handler per job of a run's flow. `start` fans a run out as
 * chunk jobs under one finalize parent (a BullMQ flow); each chunk executes its cases and skips those
 * that already have a result, so a chunk redelivered after a crash does not double-write; `finalize`
 * gives the run its one terminal state by compare-and-set. Chunk priorities grow with the chunk index,
 * so a small run's first chunks overtake the tail of a big run: orgs share the workers fairly without a
 * scheduler of their own.
 */
@Injectable()
export class AsyncRunExecutor {
  private readonly logger = new Logger('AsyncRunExecutor');
  private readonly slots: CaseSlots;
  private readonly contexts: RunContextCache;
  private readonly states: RunStateCache;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly producer: JobProducer,
    @Inject(REDIS_CLIENT) redis: Redis,
    private readonly lifecycle: RunLifecycle,
    private readonly eventLog: RunEventLog,
    private readonly cases: CaseLoader,
    private readonly runner: CaseRunner,
    private readonly writer: RunResultWriter,
    private readonly recovery: RunRecoveryService,
    private readonly budget: RunBudgetLedger,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.slots = new CaseSlots(redis, config, () => clock.now());
    this.contexts = new RunContextCache(
      (id) => db.getRepository(EvalRunEntity).findOneByOrFail({ id }),
      (run) => runner.prepare(run),
    );
    this.states = new RunStateCache(db);
  }

  /** The case permits of this worker process. */
  get permits() {
    return this.slots.permits;
  }

  /** `eval.run.start`: moves the run to running and fans its cases without a result out as chunk jobs. */
  async start(data: JobPayloads['eval.run.start']): Promise<unknown> {
    let run = await this.current(data.run_id, data.epoch);
    if (!run) return { skipped: 'stale or missing run' };
    if (run.status === 'pending') run = await this.lifecycle.begin(run.id, 'queue', { epoch: data.epoch });
    if (run.status !== 'running') return { skipped: `run is ${run.status}` };
    await this.budget.open({ run, epoch: data.epoch, config: run.config });
    const size = this.config.get('EVAL_WORKER_CHUNK_SIZE');
    const ids = await this.cases.idsLeft(run);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
    // Job ids are deterministic, so a start job redelivered after a crash adds nothing twice.
    // Tries, backoff and retention come from the eval-runs queue's settings; chunks back off on the
    // capped schedule of the worker instead of the queue's plain exponential one.
    await this.producer.enqueueFlow({
      name: 'eval.run.finalize',
      data: { run_id: run.id, org_id: run.org_id, epoch: data.epoch },
      opts: { jobId: finalizeJobId(run.id, data.epoch) },
      children: chunks.map((caseIds, i) => ({
        name: 'eval.run.chunk' as const,
        data: { run_id: run.id, org_id: run.org_id, epoch: data.epoch, chunk: i, case_ids: caseIds },
        opts: {
          jobId: chunkJobId(run.id, data.epoch, i),
          priority: Math.min(i + 1, MAX_PRIORITY),
          backoff: { type: 'greenlight-capped' },
          // A chunk that fails for good still lets finalize run; finalize settles the cases it left.
          ignoreDependencyOnFailure: true,
        },
      })),
    });
    await this.eventLog.note(run, 'run_fanned_out', { chunks: chunks.length, chunk_size: size, total_cases: run.total_cases, cases: ids.length });
    return { chunks: chunks.length };
  }

  /** `eval.run.chunk`: executes the chunk's cases while the run runs at the chunk's epoch, within the org's cap. */
  async chunk(job: Job<JobPayloads['eval.run.chunk']>, token?: string): Promise<unknown> {
    const data = job.data;
    const state = await this.states.forEpoch(data.run_id, data.epoch);
    if (!state || state.queue_epoch !== data.epoch) return { skipped: 'stale or missing run' };
    if (state.status !== 'running') return { skipped: `run is ${state.status}` };
    if (await this.reapIfOverRuntime(state)) return { skipped: 'run exceeded its maximum runtime' };

    const slot = `${job.id}:${job.attemptsMade}`;
    if (!(await this.slots.claimOrgSlot(data.org_id, slot))) {
      // BullMQ compares this timestamp with its own (wall) time, so it is the wall clock's.
      await job.moveToDelayed(Date.now() + 100 + Math.floor(Math.random() * 200), token);
      throw new DelayedError();
    }
    try {
      return await this.executeChunk(job, await this.contexts.get(data.run_id, data.epoch), slot);
    } finally {
      await this.slots.releaseOrgSlot(data.org_id, slot);
    }
  }

  /**
   * Runs the chunk's cases that have no result yet (see runChunkCases) and writes their outcomes in one
   * batch. A judge or policy error that retries cannot cure fails the run; our own outages and
   * transient agent errors make the job try again.
   */
  private async executeChunk(job: Job<JobPayloads['eval.run.chunk']>, ctx: RunContext, slot: string): Promise<unknown> {
    const rows = await this.cases.ofChunk(ctx.run, job.data.case_ids);
    const cases = rows.filter((c) => !c.done);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const { outcomes, failure, transient, borrowed } = await runChunkCases({
      cases,
      runCase: budgetLimits(ctx.config) ? (c) => this.runBudgetedCase(ctx, c) : (c) => this.runner.runCase(ctx, c),
      mayGoOn: () => this.states.mayGoOn(ctx),
      slots: this.slots,
      orgId: job.data.org_id,
      slotToken: slot,
      lastAttempt,
    });
    if (failure !== null) {
      const { err } = failure;
      if (err instanceof BudgetStop) {
        // The run reached its budget (or was started again): what ran is kept; finalize fails the run.
        await this.writer.persist(ctx, outcomes);
        return { executed: outcomes.length, stopped: err.refusal === 'stale' ? 'stale' : 'budget', transient };
      }
      if (err instanceof DomainError && !(err instanceof ExecutorError) && !(isRetryableJudgeError(err) && !lastAttempt)) {
        // Judge configuration, policy contract or a provider error that retries did not cure: the run fails.
        await this.writer.persist(ctx, outcomes);
        await this.failOnCaseError(ctx, err);
        return { failed: err.code };
      }
      // Our infrastructure failed (the job waits it out): keep what was executed if it can be stored now.
      if (isInfrastructureError(err)) await this.writer.persist(ctx, outcomes).catch(() => undefined);
      throw err;
    }
    await this.writer.persist(ctx, outcomes);
    await job.updateProgress({ cases: job.data.case_ids.length, executed: outcomes.length, transient });
    if (transient > 0) throw new Error(`${transient} case(s) hit transient agent errors; the chunk is retried`);
    return { executed: outcomes.length, skipped: rows.length - cases.length, borrowed };
  }

  /** A case of a run with a budget: its agent call reserved first, what its judge spent added after. */
  private async runBudgetedCase(ctx: RunContext, c: CaseRow): Promise<CaseOutcome> {
    const refused = await this.budget.reserve(ctx);
    if (refused !== null) throw new BudgetStop(refused);
    const outcome = await this.runner.runCase(ctx, c);
    await this.budget.spend(ctx, outcome);
    return outcome;
  }

  /**
   * `eval.run.finalize`: the run's terminal state, from its results. A case whose chunk failed for good
   * (not on the agent's account: agent errors are results) is not given a made-up result: the run is
   * resumed for the cases left, or fails with EVAL_RUN_INFRASTRUCTURE_ERROR once it was resumed too
   * often (RunRecoveryService).
   */
  async finalize(data: JobPayloads['eval.run.finalize']): Promise<unknown> {
    const run = await this.current(data.run_id, data.epoch);
    if (!run || run.status !== 'running') return { skipped: run ? `run is ${run.status}` : 'stale or missing run' };
    if (await this.reapIfOverRuntime(run)) return { failed: ErrorCode.EVAL_RUN_TIMEOUT };
    const ctx = await this.contexts.get(run.id, data.epoch, run);
    const exceeded = await this.budget.exceededAt(run.id, data.epoch);
    if (exceeded) {
      await this.failOnBudget(ctx, exceeded);
      this.contexts.forget(run.id, data.epoch);
      return { failed: ErrorCode.EVAL_RUN_BUDGET_EXCEEDED, ...exceeded };
    }
    const outcome = await this.recovery.settle(run, 'cases_not_executed', ctx);
    this.contexts.forget(run.id, data.epoch);
    this.states.forget(run.id);
    return { status: outcome };
  }

  /** The run, if it is still at the job's epoch. */
  private async current(runId: string, epoch: number): Promise<EvalRunEntity | null> {
    const run = await this.db.getRepository(EvalRunEntity).findOneBy({ id: runId });
    return run && run.queue_epoch === epoch ? run : null;
  }

  /** A run past EVAL_RUN_MAX_RUNTIME_SECONDS (on the injected clock) is reaped (EVAL_RUN_TIMEOUT) by the first job that notices. */
  private async reapIfOverRuntime(run: Pick<RunState, 'id' | 'queue_epoch' | 'started_at'>): Promise<boolean> {
    const maxSeconds = this.config.get('EVAL_RUN_MAX_RUNTIME_SECONDS');
    if (!run.started_at || this.clock.now() - run.started_at.getTime() <= maxSeconds * 1000) return false;
    await this.settleQuietly(run.id, () => this.lifecycle.reapRun(run, 'timeout', { actor: null, detected_by: 'worker', max_runtime_seconds: maxSeconds }));
    return true;
  }

  /** A judge or policy error that retries cannot cure fails the run: it is the run's configuration. */
  private failOnCaseError(ctx: RunContext, err: DomainError): Promise<void> {
    const failure = { code: err.code, reason: err.message };
    return this.settleQuietly(ctx.run.id, () => this.lifecycle.fail(ctx.run.id, ctx.epoch, failure, { details: { reason: err.message } }));
  }

  /** A case was refused for the run's budget: the run fails with EVAL_RUN_BUDGET_EXCEEDED, its results kept. */
  private failOnBudget(ctx: RunContext, exceeded: BudgetExceeded): Promise<void> {
    const reason = budgetFailureReason(exceeded);
    const failure = { code: ErrorCode.EVAL_RUN_BUDGET_EXCEEDED, reason };
    return this.settleQuietly(ctx.run.id, () => this.lifecycle.fail(ctx.run.id, ctx.epoch, failure, { details: { reason, execution: 'queue', ...exceeded } }));
  }

  /** Runs a terminal move; a run that is not running at the epoch any more is left as it is. */
  private async settleQuietly(runId: string, move: () => Promise<unknown>): Promise<void> {
    try {
      await move();
    } catch (err) {
      this.logger.debug(`run ${runId} was not running any more: ${(err as Error).message}`);
    } finally {
      this.states.forget(runId);
    }
  }
}

function isRetryableJudgeError(err: DomainError): boolean {
  if (err.code !== ErrorCode.EVAL_JUDGE_PROVIDER_ERROR) return false;
  const d = (err.details ?? {}) as { retryable?: boolean; status?: number };
  return d.retryable === true || (typeof d.status === 'number' && RETRYABLE_JUDGE_STATUSES.has(d.status));
}

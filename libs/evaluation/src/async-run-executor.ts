import { InjectFlowProducer } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DelayedError, FlowProducer, Job } from 'bullmq';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode, JobPayloads, QueueName } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { EVAL_FLOWS, REDIS_CLIENT } from '@greenlight/queue';
import { DomainError } from '@greenlight/platform';
import { RunEventLog } from './lifecycle/run-event-log';
import { RunLifecycle } from './lifecycle/run-lifecycle';
import { ExecutorError } from './executors';
import { OrgSlots } from './org-slots';
import { CaseOutcome, RunContext, RunExecutionService, RunState } from './run-execution.service';
import { chunkJobId, finalizeJobId } from './queue/job-ids';
import { RunRecoveryService } from './run-recovery.service';
import { CasePermits } from './case-permits';
import { isInfrastructureError } from './infrastructure-errors';

const MAX_PRIORITY = 2_000_000;
const RETRYABLE_JUDGE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504]);

/**
 * How stale a run's status may be when a chunk starts a case: the cooperative-cancellation delay. One
 * read per run and interval is shared by every chunk of the run in this process.
 */
const RUN_STATE_MAX_AGE_MS = 200;

/**
 * Worker side of async runs. `start` fans a run out as chunk jobs under one finalize parent (a BullMQ
 * flow); each chunk executes its cases and skips those that already have a result, so a chunk
 * redelivered after a crash does not double-write; `finalize` gives the run its one terminal state by
 * compare-and-set. Chunk priorities grow with the chunk index, so a small run's first chunks overtake
 * the tail of a big run: orgs share the workers fairly without a scheduler of their own.
 */
@Injectable()
export class AsyncRunExecutor {
  private readonly logger = new Logger('AsyncRunExecutor');
  private readonly slots: OrgSlots;
  private readonly contexts = new Map<string, Promise<RunContext>>();
  private readonly states = new Map<string, StateEntry>();
  readonly permits: CasePermits;
  /**
   * Whether chunks may borrow idle permits. The per-org cap still holds when they do (a borrowed
   * permit takes one of the org's slots as well), but the global cap counts chunk jobs inside BullMQ,
   * which cannot see borrowed permits: under a global cap chunks run their cases strictly one by one.
   */
  private readonly lending: boolean;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectFlowProducer(EVAL_FLOWS) private readonly flows: FlowProducer,
    @Inject(REDIS_CLIENT) redis: Redis,
    private readonly lifecycle: RunLifecycle,
    private readonly eventLog: RunEventLog,
    private readonly execution: RunExecutionService,
    private readonly recovery: RunRecoveryService,
    private readonly config: AppConfig,
  ) {
    this.slots = new OrgSlots(redis, config.get('REDIS_PREFIX'), config.get('EVAL_WORKER_LOCK_MS'));
    this.permits = new CasePermits(config.get('EVAL_WORKER_CONCURRENCY'));
    this.lending = config.get('EVAL_WORKER_MAX_CONCURRENCY_GLOBAL') === 0;
  }

  async start(data: JobPayloads['eval.run.start']): Promise<unknown> {
    let run = await this.current(data.run_id, data.epoch);
    if (!run) return { skipped: 'stale or missing run' };
    if (run.status === 'pending') {
      run = await this.lifecycle.begin(run.id, 'queue', { epoch: data.epoch });
    }
    if (run.status !== 'running') return { skipped: `run is ${run.status}` };
    const size = this.config.get('EVAL_WORKER_CHUNK_SIZE');
    const ids = await this.execution.loadCaseIds(run);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
    const attempts = this.config.get('EVAL_WORKER_ATTEMPTS');
    // Job ids are deterministic, so a start job redelivered after a crash adds nothing twice.
    await this.flows.add({
      name: 'eval.run.finalize',
      queueName: QueueName.EvalRuns,
      data: { run_id: run.id, org_id: run.org_id, epoch: data.epoch } satisfies JobPayloads['eval.run.finalize'],
      opts: { jobId: finalizeJobId(run.id, data.epoch), attempts, backoff: { type: 'exponential', delay: this.config.get('EVAL_WORKER_BACKOFF_MS') } },
      children: chunks.map((caseIds, i) => ({
        name: 'eval.run.chunk',
        queueName: QueueName.EvalRuns,
        data: { run_id: run.id, org_id: run.org_id, epoch: data.epoch, chunk: i, case_ids: caseIds } satisfies JobPayloads['eval.run.chunk'],
        opts: {
          jobId: chunkJobId(run.id, data.epoch, i),
          priority: Math.min(i + 1, MAX_PRIORITY),
          attempts,
          backoff: { type: 'greenlight-capped' },
          // A chunk that fails for good still lets finalize run; finalize records its cases as errors.
          ignoreDependencyOnFailure: true,
        },
      })),
    });
    await this.eventLog.note(run, 'run_fanned_out', { chunks: chunks.length, chunk_size: size, total_cases: run.total_cases, cases: ids.length });
    return { chunks: chunks.length };
  }

  async chunk(job: Job<JobPayloads['eval.run.chunk']>, token?: string): Promise<unknown> {
    const data = job.data;
    const state = await this.ownedState(data.run_id, data.epoch);
    if (!state || state.queue_epoch !== data.epoch) return { skipped: 'stale or missing run' };
    if (state.status !== 'running') return { skipped: `run is ${state.status}` };
    if (await this.failIfOverRuntime(state)) return { skipped: 'run exceeded its maximum runtime' };

    const cap = this.config.get('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG');
    const slot = `${job.id}:${job.attemptsMade}`;
    if (cap > 0 && !(await this.slots.acquire(data.org_id, slot, cap))) {
      await job.moveToDelayed(Date.now() + 100 + Math.floor(Math.random() * 200), token);
      throw new DelayedError();
    }
    try {
      return await this.executeChunk(job, await this.contextFor(data.run_id, data.epoch), slot);
    } finally {
      if (cap > 0) await this.slots.release(data.org_id, slot).catch(() => undefined);
    }
  }

  /**
   * Executes the chunk's cases that have no result yet and writes their outcomes in one batch. A case
   * starts only while the run is still running at this epoch (cooperative cancellation). One case at a
   * time runs on the chunk's own permit, more alongside on borrowed ones. The first judge or policy
   * error stops new cases; those in flight finish before the chunk reacts, so a retry never overlaps
   * them.
   */
  private async executeChunk(job: Job<JobPayloads['eval.run.chunk']>, ctx: RunContext, slot: string): Promise<unknown> {
    const rows = await this.execution.loadChunkCases(ctx.run, job.data.case_ids);
    const cases = rows.filter((c) => !c.done);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcomes: { index: number; outcome: CaseOutcome }[] = [];
    let failure = null as { err: unknown } | null; // set from the cases' callbacks
    let transient = 0;
    let borrowed = 0;
    let next = 0;
    // Cases of this chunk in flight, and the wake-up of the loop waiting for one of them to settle. A
    // counter and one callback instead of Promise.race over a set: a race allocates a reaction on every
    // pending case each time round, and runs once per case.
    let inFlight = 0;
    let wake: (() => void) | null = null;
    const settled = () => {
      inFlight--;
      const w = wake;
      wake = null;
      w?.();
    };
    const oneSettled = () => new Promise<void>((resolve) => (wake = resolve));

    const launch = (release: () => void): void => {
      const index = next++;
      inFlight++;
      this.execution.executeCase(ctx, cases[index]).then(
        (outcome) => {
          if (outcome.error?.retryable && !lastAttempt) transient++;
          else outcomes.push({ index, outcome });
          release();
          settled();
        },
        (err: unknown) => {
          failure ??= { err };
          release();
          settled();
        },
      );
    };
    // Synchronous while the run's cached state is fresh and says go (nearly always), so starting a case
    // costs no promise; `await` only when it does return one. A state that cannot be read (the database
    // is unreachable) stops the chunk like a failing case: the cases in flight finish first.
    const mayStart = (): boolean | Promise<boolean> => {
      if (next >= cases.length || failure !== null) return false;
      const owned = this.owns(ctx);
      return typeof owned === 'boolean' ? owned : owned.catch((err: unknown) => ((failure ??= { err }), false));
    };

    for (;;) {
      const may = mayStart();
      if (!(typeof may === 'boolean' ? may : await may)) break;
      if (inFlight === 0) {
        if (!this.permits.tryAcquire()) await this.permits.acquire();
        const still = mayStart();
        if (!(typeof still === 'boolean' ? still : await still)) {
          this.permits.release();
          break;
        }
        launch(() => this.permits.release());
      }
      for (;;) {
        if (next >= cases.length) break;
        const lent = this.borrow(job.data.org_id, `${slot}:${borrowed}`);
        const release = lent instanceof Promise ? await lent : lent;
        if (!release) break;
        const still = mayStart();
        if (!(typeof still === 'boolean' ? still : await still)) {
          release();
          break;
        }
        borrowed++;
        launch(release);
      }
      // Wait for one of this chunk's cases; the next round may borrow again.
      if (inFlight > 0) await oneSettled();
    }
    while (inFlight > 0) await oneSettled();

    // Completion order is arbitrary; write in case order.
    const done = outcomes.sort((a, b) => a.index - b.index).map((o) => o.outcome);
    if (failure !== null) {
      const { err } = failure;
      if (err instanceof DomainError && !(err instanceof ExecutorError) && !(isRetryableJudgeError(err) && !lastAttempt)) {
        // Judge configuration, policy contract or a provider error that retries did not cure: the run fails.
        await this.execution.persistOutcomes(ctx, done);
        await this.failOnCaseError({ id: ctx.run.id, queue_epoch: ctx.epoch }, err.code, err.message);
        return { failed: err.code };
      }
      // Our infrastructure failed (the job waits it out): keep what was executed if it can be stored now.
      if (isInfrastructureError(err)) await this.execution.persistOutcomes(ctx, done).catch(() => undefined);
      throw err;
    }
    await this.execution.persistOutcomes(ctx, done);
    await job.updateProgress({ cases: job.data.case_ids.length, executed: done.length, transient });
    if (transient > 0) throw new Error(`${transient} case(s) hit transient agent errors; the chunk is retried`);
    return { executed: done.length, skipped: rows.length - cases.length, borrowed };
  }

  /**
   * An idle permit for one more case of a chunk, plus one of the org's slots when the org is capped;
   * null when none is free. The function returned gives both back.
   */
  private borrow(orgId: string, token: string): (() => void) | null | Promise<(() => void) | null> {
    if (!this.lending || !this.permits.tryAcquire()) return null;
    const cap = this.config.get('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG');
    if (cap <= 0) return () => this.permits.release();
    return this.slots.acquire(orgId, token, cap).then(
      (ok) => {
        if (!ok) {
          this.permits.release();
          return null;
        }
        return () => {
          this.permits.release();
          this.slots.release(orgId, token).catch(() => undefined);
        };
      },
      () => {
        this.permits.release();
        return null;
      },
    );
  }

  /**
   * The run's terminal state, from its results. A case whose chunk failed for good (not on the agent's
   * account: agent errors are results) is not given a made-up result: the run is resumed for the cases
   * left, or fails with EVAL_RUN_INFRASTRUCTURE_ERROR once it was resumed too often (RunRecoveryService).
   */
  async finalize(data: JobPayloads['eval.run.finalize']): Promise<unknown> {
    const run = await this.current(data.run_id, data.epoch);
    if (!run || run.status !== 'running') return { skipped: run ? `run is ${run.status}` : 'stale or missing run' };
    if (await this.failIfOverRuntime(run)) return { failed: ErrorCode.EVAL_RUN_TIMEOUT };
    const ctx = await this.contextFor(run.id, data.epoch, run);
    const outcome = await this.recovery.settle(run, 'cases_not_executed', ctx);
    this.contexts.delete(`${run.id}:${data.epoch}`);
    this.states.delete(run.id);
    return { status: outcome };
  }

  /** The run's context (judge with its cache, executor) for an epoch, built once per process. */
  private contextFor(runId: string, epoch: number, loaded?: EvalRunEntity): Promise<RunContext> {
    const key = `${runId}:${epoch}`;
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = (async () => {
        // The row may already be at a later epoch; the config is frozen, but writes must stay guarded by this one.
        const run = loaded ?? (await this.db.getRepository(EvalRunEntity).findOneByOrFail({ id: runId }));
        return { ...this.execution.prepare(run), epoch };
      })();
      // A failure (a judge configuration error, say) is not kept: the job's retry tries again.
      ctx.catch(() => this.contexts.get(key) === ctx && this.contexts.delete(key));
      if (this.contexts.size > 200) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  private async current(runId: string, epoch: number): Promise<EvalRunEntity | null> {
    const run = await this.db.getRepository(EvalRunEntity).findOneBy({ id: runId });
    return run && run.queue_epoch === epoch ? run : null;
  }

  /**
   * The run's status, epoch and start, read at most once every RUN_STATE_MAX_AGE_MS per run in this
   * process (pass 0 for a fresh read): every chunk checks before each case, and one query serves all.
   */
  private runState(runId: string, maxAgeMs = RUN_STATE_MAX_AGE_MS): Promise<RunState | null> {
    const now = performance.now();
    const cached = this.states.get(runId);
    if (cached && now - cached.at < maxAgeMs) return cached.state;
    const state: Promise<RunState | null> = this.execution.runState(runId);
    const entry: StateEntry = { at: now, state, settled: false, value: null };
    state.then(
      (value) => {
        entry.value = value;
        entry.settled = true;
      },
      () => this.states.get(runId) === entry && this.states.delete(runId),
    );
    if (this.states.size > 1000) {
      for (const [id, e] of this.states) if (now - e.at >= RUN_STATE_MAX_AGE_MS) this.states.delete(id);
    }
    this.states.set(runId, entry);
    return state;
  }

  /**
   * The run's state for a chunk of `epoch`. A cached state may say "go on" although the run stopped
   * (for at most RUN_STATE_MAX_AGE_MS: the cancellation delay), but never "stop" although it runs: a
   * state read before this epoch's start moved the run to running would make its chunks skip their
   * cases for good, so a cached state that says stop is read again.
   */
  private async ownedState(runId: string, epoch: number): Promise<RunState | null> {
    const state = await this.runState(runId);
    if (state && state.status === 'running' && state.queue_epoch === epoch) return state;
    return this.runState(runId, 0);
  }

  /**
   * True while the run is still running at the context's epoch (not cancelled, restarted or finished).
   * Answers synchronously when the cached state is fresh, read and says so (what `ownedState` would
   * answer at once); every other case, a stop included, goes through `ownedState`.
   */
  private owns(ctx: RunContext): boolean | Promise<boolean> {
    const cached = this.states.get(ctx.run.id);
    if (cached?.settled && performance.now() - cached.at < RUN_STATE_MAX_AGE_MS) {
      const state = cached.value;
      if (state && state.status === 'running' && state.queue_epoch === ctx.epoch) return true;
    }
    return this.ownedState(ctx.run.id, ctx.epoch).then((state) => state !== null && state.status === 'running' && state.queue_epoch === ctx.epoch);
  }

  /** A run past EVAL_RUN_MAX_RUNTIME_SECONDS is reaped (EVAL_RUN_TIMEOUT) by the first job that notices. */
  private async failIfOverRuntime(run: Pick<RunState, 'id' | 'queue_epoch' | 'started_at'>): Promise<boolean> {
    const maxSeconds = this.config.get('EVAL_RUN_MAX_RUNTIME_SECONDS');
    if (!run.started_at || Date.now() - run.started_at.getTime() <= maxSeconds * 1000) return false;
    await this.settleQuietly(run.id, () => this.lifecycle.reap(run, 'timeout', { actor: null, detected_by: 'worker', max_runtime_seconds: maxSeconds }));
    return true;
  }

  /** A judge or policy error that retries cannot cure fails the run: it is the run's configuration. */
  private failOnCaseError(run: Pick<RunState, 'id' | 'queue_epoch'>, code: string, reason: string): Promise<void> {
    return this.settleQuietly(run.id, () => this.lifecycle.fail(run.id, run.queue_epoch, { code, reason }, { details: { reason } }));
  }

  /** Runs a terminal move; a run that is not running at the epoch any more is left as it is. */
  private async settleQuietly(runId: string, move: () => Promise<unknown>): Promise<void> {
    try {
      await move();
    } catch (err) {
      this.logger.debug(`run ${runId} was not running any more: ${(err as Error).message}`);
    } finally {
      this.states.delete(runId);
    }
  }
}

/** A run's state as read (or being read) for every chunk of the run in this process. */
interface StateEntry {
  at: number;
  state: Promise<RunState | null>;
  /** Set once the read has answered, so a fresh answer can be used without waiting on the promise. */
  settled: boolean;
  value: RunState | null;
}

function isRetryableJudgeError(err: DomainError): boolean {
  if (err.code !== ErrorCode.EVAL_JUDGE_PROVIDER_ERROR) return false;
  const d = (err.details ?? {}) as { retryable?: boolean; status?: number };
  return d.retryable === true || (typeof d.status === 'number' && RETRYABLE_JUDGE_STATUSES.has(d.status));
}

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
import { DomainError } from '../domain-error';
import { EvalRunsService } from './eval-runs.service';
import { ExecutorError } from './executors';
import { OrgSlots } from './org-slots';
import { CaseOutcome, CaseRow, RunContext, RunExecutionService } from './run-execution.service';
import { chunkJobId, finalizeJobId, RunQueueService } from './run-queue.service';

const MAX_PRIORITY = 2_000_000;
const RETRYABLE_JUDGE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504]);

/**
 * Worker side of async runs. `start` fans a run out as chunk jobs under one finalize parent (a BullMQ
 * flow); each chunk executes its cases one by one and skips those that already have a result, so a
 * chunk redelivered after a crash does not double-write; `finalize` gives the run its one terminal
 * state by compare-and-set. Chunk priorities grow with the chunk index, so a small run's first chunks
 * overtake the tail of a big run: orgs share the workers fairly without a scheduler of their own.
 */
@Injectable()
export class AsyncRunExecutor {
  private readonly logger = new Logger('AsyncRunExecutor');
  private readonly slots: OrgSlots;
  private readonly contexts = new Map<string, RunContext>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectFlowProducer(EVAL_FLOWS) private readonly flows: FlowProducer,
    @Inject(REDIS_CLIENT) redis: Redis,
    private readonly runs: EvalRunsService,
    private readonly execution: RunExecutionService,
    private readonly queue: RunQueueService,
    private readonly config: AppConfig,
  ) {
    this.slots = new OrgSlots(redis, config.get('REDIS_PREFIX'), config.get('EVAL_WORKER_LOCK_MS'));
  }

  async start(data: JobPayloads['eval.run.start']): Promise<unknown> {
    let run = await this.current(data.run_id, data.epoch);
    if (!run) return { skipped: 'stale or missing run' };
    if (run.status === 'pending') {
      run = await this.runs.transition(run.id, 'pending', 'running', { epoch: data.epoch });
      await this.queue.recordEvent(run, 'run_started', { epoch: data.epoch });
    }
    if (run.status !== 'running') return { skipped: `run is ${run.status}` };
    const size = this.config.get('EVAL_WORKER_CHUNK_SIZE');
    const chunks: string[][] = [];
    let after: { position: number; id: string } | null = null;
    for (;;) {
      const page: CaseRow[] = await this.execution.loadCases(run, after, 1000);
      if (page.length === 0) break;
      for (const c of page) {
        if (!chunks.length || chunks[chunks.length - 1].length >= size) chunks.push([]);
        chunks[chunks.length - 1].push(c.id);
      }
      after = { position: page[page.length - 1].position, id: page[page.length - 1].id };
    }
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
    await this.queue.recordEvent(run, 'run_fanned_out', { chunks: chunks.length, chunk_size: size, total_cases: run.total_cases });
    return { chunks: chunks.length };
  }

  async chunk(job: Job<JobPayloads['eval.run.chunk']>, token?: string): Promise<unknown> {
    const data = job.data;
    const run = await this.current(data.run_id, data.epoch);
    if (!run || run.status !== 'running') return { skipped: run ? `run is ${run.status}` : 'stale or missing run' };
    if (await this.failIfOverRuntime(run)) return { skipped: 'run exceeded its maximum runtime' };

    const cap = this.config.get('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG');
    const slot = `${job.id}:${job.attemptsMade}`;
    if (cap > 0 && !(await this.slots.acquire(data.org_id, slot, cap))) {
      await job.moveToDelayed(Date.now() + 100 + Math.floor(Math.random() * 200), token);
      throw new DelayedError();
    }
    try {
      return await this.executeChunk(job, run);
    } finally {
      if (cap > 0) await this.slots.release(data.org_id, slot).catch(() => undefined);
    }
  }

  private async executeChunk(job: Job<JobPayloads['eval.run.chunk']>, run: EvalRunEntity): Promise<unknown> {
    const ctx = this.contextFor(run, job.data.epoch);
    const done = await this.db.query(`SELECT case_id FROM eval_results WHERE run_id = $1 AND case_id = ANY($2)`, [run.id, job.data.case_ids]);
    const skip = new Set((done as { case_id: string }[]).map((r) => r.case_id));
    const cases = (await this.execution.loadCasesByIds(run, job.data.case_ids)).filter((c) => !skip.has(c.id));
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcomes: CaseOutcome[] = [];
    let transient = 0;
    let checkedAt = 0;
    for (const c of cases) {
      // Cooperative cancellation between cases; the status is re-read at most every 200 ms.
      if (performance.now() - checkedAt > 200) {
        if (!(await this.execution.stillOwns(ctx))) break;
        checkedAt = performance.now();
      }
      let outcome: CaseOutcome;
      try {
        outcome = await this.execution.executeCase(ctx, c);
      } catch (err) {
        if (err instanceof DomainError && !(err instanceof ExecutorError) && !(isRetryableJudgeError(err) && !lastAttempt)) {
          // Judge configuration, policy contract or a provider error that retries did not cure: the run fails.
          await this.execution.persistOutcomes(ctx, outcomes);
          await this.failRun(run, err.code, err.message);
          return { failed: err.code };
        }
        throw err;
      }
      if (outcome.error?.retryable && !lastAttempt) {
        transient++;
        continue;
      }
      outcomes.push(outcome);
    }
    await this.execution.persistOutcomes(ctx, outcomes);
    await job.updateProgress({ cases: job.data.case_ids.length, executed: outcomes.length, transient });
    if (transient > 0) throw new Error(`${transient} case(s) hit transient agent errors; the chunk is retried`);
    return { executed: outcomes.length, skipped: skip.size };
  }

  async finalize(data: JobPayloads['eval.run.finalize']): Promise<unknown> {
    const run = await this.current(data.run_id, data.epoch);
    if (!run || run.status !== 'running') return { skipped: run ? `run is ${run.status}` : 'stale or missing run' };
    if (await this.failIfOverRuntime(run)) return { failed: ErrorCode.EVAL_RUN_TIMEOUT };
    const ctx = this.contextFor(run, data.epoch);
    // Cases whose chunk failed for good get an error result, so every case ends with exactly one.
    const missing = await this.execution.missingCases(run);
    if (missing.length) {
      await this.execution.persistOutcomes(
        ctx,
        missing.map((c) => ({
          case: c,
          status: 'error' as const,
          execution: null,
          judged: null,
          input: null,
          error: { code: ErrorCode.EVAL_EXECUTOR_RUNTIME_ERROR, message: 'the case was not executed: its chunk failed after every retry', details: {}, retryable: false },
          passed: null,
          case_latency_ms: 0,
        })),
      );
    }
    const started = run.started_at ? run.started_at.getTime() : Date.now();
    const finished = await this.execution.finish(ctx, Date.now() - started);
    this.contexts.delete(`${run.id}:${data.epoch}`);
    await this.queue.recordEvent(finished, finished.status === 'completed' ? 'run_completed' : 'run_failed', {
      completed_cases: finished.completed_cases,
      failure_code: finished.failure_code,
      missing_cases: missing.length,
    });
    return { status: finished.status };
  }

  private contextFor(run: EvalRunEntity, epoch: number): RunContext {
    const key = `${run.id}:${epoch}`;
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = this.execution.prepare(run);
      if (this.contexts.size > 200) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  private async current(runId: string, epoch: number): Promise<EvalRunEntity | null> {
    const run = await this.db.getRepository(EvalRunEntity).findOneBy({ id: runId });
    return run && run.queue_epoch === epoch ? run : null;
  }

  private async failIfOverRuntime(run: EvalRunEntity): Promise<boolean> {
    const max = this.config.get('EVAL_RUN_MAX_RUNTIME_SECONDS') * 1000;
    if (!run.started_at || Date.now() - run.started_at.getTime() <= max) return false;
    await this.failRun(run, ErrorCode.EVAL_RUN_TIMEOUT, `the run exceeded its maximum runtime of ${max / 1000} s`);
    return true;
  }

  private async failRun(run: EvalRunEntity, code: string, reason: string): Promise<void> {
    try {
      const failed = await this.runs.transition(run.id, 'running', 'failed', { epoch: run.queue_epoch, failure_code: code, failure_reason: reason });
      await this.queue.recordEvent(failed, 'run_failed', { failure_code: code, reason });
    } catch (err) {
      this.logger.debug(`run ${run.id} was not running any more: ${(err as Error).message}`);
    }
  }
}

function isRetryableJudgeError(err: DomainError): boolean {
  if (err.code !== ErrorCode.EVAL_JUDGE_PROVIDER_ERROR) return false;
  const d = (err.details ?? {}) as { retryable?: boolean; status?: number };
  return d.retryable === true || (typeof d.status === 'number' && RETRYABLE_JUDGE_STATUSES.has(d.status));
}

/** Exponential backoff with a cap: `base · 2^(attempt-1)`, at most `max`, with ±20 % jitter. */
export function cappedBackoff(attemptsMade: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { AsyncRunExecutor, cappedBackoff, InfrastructureWaits, RunRecoveryService } from '@greenlight/evaluation';
import { Clock } from '@greenlight/platform';
import { PrefixOwnership } from '@greenlight/queue';
import { ConsumerOptions, JobHandlers, QueueConsumer } from '../consumers/queue-consumer';

/** A warning about jobs waiting out an outage is logged at most this often. */
const WAIT_LOG_EVERY_MS = 10_000;

/**
 * Eval runs: start, chunks, finalize. Concurrency, lock duration and backoff come from the
 * EVAL_WORKER_* settings. Several worker processes on one Redis share the queue; a job of a process
 * that dies is taken over when its lock expires (stalled-job detection). A job stopped by our
 * infrastructure (Postgres or Redis unreachable) waits and tries again without using up an attempt;
 * every EVAL_RUN_RECOVERY_INTERVAL_MS the worker also looks for queued and running runs whose jobs
 * are gone (Redis lost its data) and requeues or resumes them.
 */
@Injectable()
export class EvalRunsConsumer implements QueueConsumer<typeof QueueName.EvalRuns> {
  readonly queue = QueueName.EvalRuns;
  private readonly logger = new Logger('EvalRunsConsumer');
  private readonly waits: InfrastructureWaits;
  private recoveryTimer?: NodeJS.Timeout;
  private sweeping = false;
  private lastWaitLog = 0;

  constructor(
    private readonly executor: AsyncRunExecutor,
    private readonly config: AppConfig,
    private readonly ownership: PrefixOwnership,
    private readonly recovery: RunRecoveryService,
    clock: Clock,
  ) {
    this.waits = new InfrastructureWaits(
      config.get('EVAL_WORKER_BACKOFF_MS'),
      config.get('EVAL_WORKER_INFRA_RETRY_MAX_MS'),
      config.get('EVAL_RUN_MAX_RUNTIME_SECONDS') * 1000,
      () => clock.now(),
    );
  }

  options(): ConsumerOptions {
    const c = this.config;
    const backoff = c.get('EVAL_WORKER_BACKOFF_MS');
    const maxBackoff = c.get('EVAL_WORKER_MAX_BACKOFF_MS');
    return {
      concurrency: c.get('EVAL_WORKER_CONCURRENCY'),
      globalConcurrency: c.get('EVAL_WORKER_MAX_CONCURRENCY_GLOBAL'),
      lockDuration: c.get('EVAL_WORKER_LOCK_MS'),
      stalledInterval: Math.max(1000, Math.floor(c.get('EVAL_WORKER_LOCK_MS') / 2)),
      // A chunk may be interrupted by several crashes in a row; its writes are idempotent.
      maxStalledCount: 10,
      settings: { backoffStrategy: (attemptsMade: number) => cappedBackoff(attemptsMade, backoff, maxBackoff) },
    };
  }

  handlers(): JobHandlers<typeof QueueName.EvalRuns> {
    return {
      'eval.run.start': (job) => this.executor.start(job.data),
      'eval.run.chunk': (job, token) => this.executor.chunk(job, token),
      'eval.run.finalize': (job) => this.executor.finalize(job.data),
    };
  }

  describe(): string {
    return `global cap ${this.config.get('EVAL_WORKER_MAX_CONCURRENCY_GLOBAL') || 'none'}, per-org cap ${this.config.get('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG') || 'none'}`;
  }

  /** A try stopped by our infrastructure is put back, delayed, without using up an attempt. */
  async around(job: Job, token: string | undefined, handle: () => Promise<unknown>): Promise<unknown> {
    try {
      const result = await handle();
      this.waits.settled(job);
      return result;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      const delay = this.waits.delayFor(job, err);
      if (delay === null) throw err;
      this.logWait(job, err as Error, delay);
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
  }

  started(): void {
    const every = this.config.get('EVAL_RUN_RECOVERY_INTERVAL_MS');
    if (every <= 0) return;
    this.recoveryTimer = setInterval(() => void this.sweep(every), every);
    this.recoveryTimer.unref();
  }

  stopping(): void {
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
  }

  /** One recovery pass (never two at once: a pass waiting on an unreachable Redis holds the next). */
  private async sweep(idleMs: number): Promise<void> {
    if (this.sweeping || !this.ownership.isOwner) return;
    this.sweeping = true;
    try {
      for (const r of await this.recovery.sweep(idleMs)) this.logger.warn(`run ${r.run_id} had lost its jobs: ${r.outcome}`);
    } catch (err) {
      this.logger.warn(`looking for runs that lost their jobs failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  private logWait(job: Job, err: Error, delayMs: number): void {
    const now = Date.now();
    if (now - this.lastWaitLog < WAIT_LOG_EVERY_MS) return;
    this.lastWaitLog = now;
    this.logger.warn(`job ${job.name} ${job.id} stopped by our infrastructure (${err.message}); it tries again in ${delayMs} ms without using up an attempt`);
  }
}

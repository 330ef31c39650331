import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { JobPayloads, JobsOf, QueueName } from '@greenlight/contracts';
import { AsyncRunExecutor, cappedBackoff, InfrastructureWaits, RunRecoveryService } from '@greenlight/evaluation';
import { bullConnection, JobProducer, PrefixOwnership } from '@greenlight/queue';

type EvalJob = JobsOf<typeof QueueName.EvalRuns>;

/** A warning about jobs waiting out an outage is logged at most this often. */
const WAIT_LOG_EVERY_MS = 10_000;

/**
 * The eval-runs consumer. Built by hand rather than with `@Processor` because its concurrency, lock
 * duration and backoff come from validated config. Several worker processes on one Redis share the
 * queue; a job of a process that dies is taken over when its lock expires (stalled-job detection).
 * A job stopped by our infrastructure (Postgres or Redis unreachable) waits and tries again without
 * using up an attempt; every EVAL_RUN_RECOVERY_INTERVAL_MS the worker also looks for queued and running
 * runs whose jobs are gone (Redis lost its data) and requeues or resumes them.
 */
@Injectable()
export class EvalRunsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EvalRunsWorker');
  private worker?: Worker;
  private readonly waits: InfrastructureWaits;
  private recoveryTimer?: NodeJS.Timeout;
  private sweeping = false;
  private lastWaitLog = 0;

  constructor(
    private readonly executor: AsyncRunExecutor,
    private readonly queues: JobProducer,
    private readonly config: AppConfig,
    private readonly ownership: PrefixOwnership,
    private readonly recovery: RunRecoveryService,
  ) {
    const c = this.config;
    this.waits = new InfrastructureWaits(
      c.get('EVAL_WORKER_BACKOFF_MS'),
      c.get('EVAL_WORKER_INFRA_RETRY_MAX_MS'),
      c.get('EVAL_RUN_MAX_RUNTIME_SECONDS') * 1000,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config;
    const handlers: { [J in EvalJob]: (job: Job<JobPayloads[J]>, token?: string) => Promise<unknown> } = {
      'eval.run.start': (job) => this.executor.start(job.data),
      'eval.run.chunk': (job, token) => this.executor.chunk(job, token),
      'eval.run.finalize': (job) => this.executor.finalize(job.data),
    };
    this.worker = new Worker(
      QueueName.EvalRuns,
      async (job: Job, token?: string) => {
        await this.ownership.leaveForeignJob(job, token);
        const handler = handlers[job.name as EvalJob] as ((j: Job, t?: string) => Promise<unknown>) | undefined;
        if (!handler) throw new Error(`no handler for job "${job.name}" on queue ${QueueName.EvalRuns}`);
        try {
          const result = await handler(job, token);
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
      },
      {
        connection: bullConnection(c.get('REDIS_URL')),
        prefix: c.get('REDIS_PREFIX'),
        concurrency: c.get('EVAL_WORKER_CONCURRENCY'),
        lockDuration: c.get('EVAL_WORKER_LOCK_MS'),
        stalledInterval: Math.max(1000, Math.floor(c.get('EVAL_WORKER_LOCK_MS') / 2)),
        // A chunk may be interrupted by several crashes in a row; its writes are idempotent.
        maxStalledCount: 10,
        settings: {
          backoffStrategy: (attemptsMade: number) => cappedBackoff(attemptsMade, c.get('EVAL_WORKER_BACKOFF_MS'), c.get('EVAL_WORKER_MAX_BACKOFF_MS')),
        },
      },
    );
    this.worker.on('failed', (job, err) => this.logger.warn(`job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    this.worker.on('error', (err) => this.logger.warn(`worker error: ${err.message}`));
    const global = c.get('EVAL_WORKER_MAX_CONCURRENCY_GLOBAL');
    // The cap lives on the queue, so every worker process obeys the same number.
    if (global > 0) await this.queues.queue(QueueName.EvalRuns).setGlobalConcurrency(global);
    const every = c.get('EVAL_RUN_RECOVERY_INTERVAL_MS');
    if (every > 0) {
      this.recoveryTimer = setInterval(() => void this.sweep(every), every);
      this.recoveryTimer.unref();
    }
    this.logger.log(
      `consuming ${QueueName.EvalRuns}: concurrency ${c.get('EVAL_WORKER_CONCURRENCY')}, global cap ${global || 'none'}, per-org cap ${c.get('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG') || 'none'}`,
    );
  }

  /** SIGTERM: stop taking jobs and wait for the active ones (graceful drain). */
  async onApplicationShutdown(): Promise<void> {
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    await this.worker?.close();
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

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { JobPayloads, JobsOf, QueueName } from '@greenlight/contracts';
import { AsyncRunExecutor, cappedBackoff } from '@greenlight/domain';
import { bullConnection, JobProducer, PrefixOwnership } from '@greenlight/queue';

type EvalJob = JobsOf<typeof QueueName.EvalRuns>;

/**
 * The eval-runs consumer. Built by hand rather than with `@Processor` because its concurrency, lock
 * duration and backoff come from validated config. Several worker processes on one Redis share the
 * queue; a job of a process that dies is taken over when its lock expires (stalled-job detection).
 */
@Injectable()
export class EvalRunsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EvalRunsWorker');
  private worker?: Worker;

  constructor(
    private readonly executor: AsyncRunExecutor,
    private readonly queues: JobProducer,
    private readonly config: AppConfig,
    private readonly ownership: PrefixOwnership,
  ) {}

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
        return handler(job, token);
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
    this.logger.log(`consuming ${QueueName.EvalRuns}: concurrency ${c.get('EVAL_WORKER_CONCURRENCY')}, global cap ${global || 'none'}, per-org cap ${c.get('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG') || 'none'}`);
  }

  /** SIGTERM: stop taking jobs and wait for the active ones (graceful drain). */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}

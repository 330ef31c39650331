import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { bullConnection, JobProducer, PrefixOwnership } from '@greenlight/queue';
import { JobMetrics, JobOutcome } from './job-metrics';
import { QueueConsumer } from './queue-consumer';

/** The consumers this worker runs, one per queue. */
export const QUEUE_CONSUMERS = Symbol('QUEUE_CONSUMERS');

type Handle = (job: Job, token?: string) => Promise<unknown>;

/**
 * Runs one BullMQ worker per queue consumer. What every queue needs is done here once: the
 * connection and prefix, a job taken while the prefix belongs to another database goes back
 * untouched, a job name without a handler fails at once (no retries: it cannot succeed), Redis
 * trouble and failed tries are logged, every try is counted and timed on /metrics, and on shutdown
 * each worker takes no new jobs and waits for the ones it runs (graceful drain).
 */
@Injectable()
export class QueueWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(QUEUE_CONSUMERS) private readonly consumers: QueueConsumer[],
    private readonly config: AppConfig,
    private readonly ownership: PrefixOwnership,
    private readonly producer: JobProducer,
    private readonly metrics: JobMetrics,
  ) {}

  /** Consumers start after every module initialised, so the prefix is already claimed for this database. */
  async onApplicationBootstrap(): Promise<void> {
    for (const consumer of this.consumers) await this.start(consumer);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const consumer of this.consumers) await consumer.stopping?.();
    await Promise.all(this.workers.splice(0).map((worker) => worker.close()));
  }

  private async start(consumer: QueueConsumer): Promise<void> {
    const logger = new Logger(consumer.constructor.name);
    const { globalConcurrency, ...options } = consumer.options();
    const worker = new Worker(consumer.queue, this.processor(consumer), {
      ...options,
      connection: bullConnection(this.config.get('REDIS_URL')),
      prefix: this.config.get('REDIS_PREFIX'),
    });
    worker.on('failed', (job, err) => logger.warn(`job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    // Redis trouble (without a listener BullMQ dumps it on stderr).
    worker.on('error', (err) => logger.warn(`worker error: ${err.message}`));
    this.workers.push(worker);
    // The cap lives on the queue, so every worker process obeys the same number.
    if (globalConcurrency && globalConcurrency > 0) await this.producer.queue(consumer.queue).setGlobalConcurrency(globalConcurrency);
    await consumer.started?.();
    const more = consumer.describe?.();
    logger.log(`consuming ${consumer.queue}: concurrency ${options.concurrency}${more ? `, ${more}` : ''}`);
  }

  /** The function BullMQ calls for each job of the consumer's queue. */
  private processor(consumer: QueueConsumer): Handle {
    const handlers = consumer.handlers() as Record<string, Handle | undefined>;
    return async (job, token) => {
      const began = performance.now();
      let outcome: JobOutcome = 'completed';
      try {
        await this.ownership.leaveForeignJob(job, token);
        const handler = Object.hasOwn(handlers, job.name) ? handlers[job.name] : undefined;
        if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}" on queue ${consumer.queue}`);
        return await (consumer.around ? consumer.around(job, token, () => handler(job, token)) : handler(job, token));
      } catch (err) {
        outcome = err instanceof DelayedError ? 'delayed' : 'failed';
        throw err;
      } finally {
        this.metrics.observe(consumer.queue, job.name, outcome, (performance.now() - began) / 1000);
      }
    };
  }
}

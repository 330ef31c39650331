import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { JobPayloads, JobsOf, QueueName } from '@greenlight/contracts';
import { WebhookDeliveryService } from '@greenlight/notifications';
import { bullConnection, PrefixOwnership } from '@greenlight/queue';

type NotificationJob = JobsOf<typeof QueueName.Notifications>;

/**
 * Webhook deliveries. Each job is one attempt of one outbox row; the row, not the job, holds the
 * delivery's state, so a job lost with Redis or a worker killed mid-attempt costs at most a repeat
 * attempt (same delivery id, same body): the sweeper finds rows that are due and have no job. The
 * sweep's job scheduler is kept with the others (JobSchedulers), so it comes back when Redis loses it.
 */
@Injectable()
export class NotificationsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NotificationsWorker');
  private worker?: Worker;

  constructor(
    private readonly delivery: WebhookDeliveryService,
    private readonly config: AppConfig,
    private readonly ownership: PrefixOwnership,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config;
    const handlers: { [J in NotificationJob]: (job: Job<JobPayloads[J]>) => Promise<unknown> } = {
      'notify.deliver': (job) => this.delivery.deliver(job.data.outbox_id),
      'notify.sweep': async () => ({ enqueued: await this.delivery.sweep() }),
    };
    this.worker = new Worker(
      QueueName.Notifications,
      async (job: Job, token?: string) => {
        await this.ownership.leaveForeignJob(job, token);
        const handler = handlers[job.name as NotificationJob] as ((j: Job) => Promise<unknown>) | undefined;
        if (!handler) throw new Error(`no handler for job "${job.name}" on queue ${QueueName.Notifications}`);
        return handler(job);
      },
      {
        connection: bullConnection(c.get('REDIS_URL')),
        prefix: c.get('REDIS_PREFIX'),
        concurrency: c.get('WEBHOOK_DELIVERY_CONCURRENCY'),
        // An attempt is bounded by the webhook timeout; the lock outlives it comfortably.
        lockDuration: c.get('WEBHOOK_TIMEOUT_MS') + 15_000,
      },
    );
    this.worker.on('error', (err) => this.logger.warn(`worker error: ${err.message}`));
    this.logger.log(
      `consuming ${QueueName.Notifications}: concurrency ${c.get('WEBHOOK_DELIVERY_CONCURRENCY')}, sweep every ${c.get('WEBHOOK_SWEEP_INTERVAL_MS')} ms`,
    );
  }

  /** SIGTERM: finish the attempts in flight, take no new ones. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}

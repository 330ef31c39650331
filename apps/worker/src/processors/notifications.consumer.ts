import { Injectable } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { WebhookDeliveryService } from '@greenlight/notifications';
import { ConsumerOptions, JobHandlers, QueueConsumer } from '../consumers/queue-consumer';

/**
 * Webhook deliveries. Each job is one attempt of one outbox row; the row, not the job, holds the
 * delivery's state, so a job lost with Redis or a worker killed mid-attempt costs at most a repeat
 * attempt (same delivery id, same body): the sweeper finds rows that are due and have no job. The
 * sweep's job scheduler is kept with the others (JobSchedulers), so it comes back when Redis loses it.
 */
@Injectable()
export class NotificationsConsumer implements QueueConsumer<typeof QueueName.Notifications> {
  readonly queue = QueueName.Notifications;

  constructor(
    private readonly delivery: WebhookDeliveryService,
    private readonly config: AppConfig,
  ) {}

  options(): ConsumerOptions {
    return {
      concurrency: this.config.get('WEBHOOK_DELIVERY_CONCURRENCY'),
      // An attempt is bounded by the webhook timeout; the lock outlives it comfortably.
      lockDuration: this.config.get('WEBHOOK_TIMEOUT_MS') + 15_000,
    };
  }

  handlers(): JobHandlers<typeof QueueName.Notifications> {
    return {
      'notify.deliver': (job) => this.delivery.deliver(job.data.outbox_id),
      'notify.sweep': async () => ({ enqueued: await this.delivery.sweep() }),
    };
  }

  describe(): string {
    return `sweep every ${this.config.get('WEBHOOK_SWEEP_INTERVAL_MS')} ms`;
  }
}

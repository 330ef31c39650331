import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { JobName, QueueName } from '@greenlight/contracts';

const PURGE_EVERY_MS = 10 * 60 * 1000;
export const MAINTENANCE_SCHEDULER_ID = 'queue-maintenance';
export const MAINTENANCE_SCHEDULE_NAME = 'worker';

/**
 * Repeating platform jobs. `upsertJobScheduler` is keyed by scheduler id, so however many workers
 * start, each schedule exists once.
 */
@Injectable()
export class SystemSchedulers implements OnApplicationBootstrap {
  private readonly logger = new Logger('SystemSchedulers');

  constructor(
    @InjectQueue(QueueName.System) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const name: JobName = 'system.purge_idempotency';
    await this.queue.upsertJobScheduler('purge-idempotency-records', { every: PURGE_EVERY_MS }, { name, data: {} });
    this.logger.log(`scheduler purge-idempotency-records: every ${PURGE_EVERY_MS / 60000} min`);

    // Queue maintenance (reap + prune per org policy). The schedule window equals the interval, so a
    // second trigger within one interval (a restarted worker, a manual trigger) is deduplicated.
    const every = this.config.get('QUEUE_MAINTENANCE_INTERVAL_MS');
    if (every === 0) {
      await this.queue.removeJobScheduler(MAINTENANCE_SCHEDULER_ID);
      this.logger.log('scheduler queue-maintenance: disabled (QUEUE_MAINTENANCE_INTERVAL_MS=0)');
      return;
    }
    const maintenance: JobName = 'system.queue_maintenance';
    const windowMinutes = Math.max(1, Math.round(every / 60_000));
    await this.queue.upsertJobScheduler(MAINTENANCE_SCHEDULER_ID, { every }, {
      name: maintenance,
      data: { schedule_name: MAINTENANCE_SCHEDULE_NAME, window_minutes: windowMinutes },
      opts: { attempts: 3, backoff: { type: 'exponential', delay: 5000 } },
    });
    this.logger.log(`scheduler ${MAINTENANCE_SCHEDULER_ID}: every ${every / 1000} s`);
  }
}

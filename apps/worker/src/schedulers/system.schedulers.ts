import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, QueueName } from '@greenlight/contracts';

const PURGE_EVERY_MS = 10 * 60 * 1000;

/**
 * Repeating platform jobs. `upsertJobScheduler` is keyed by scheduler id, so however many workers
 * start, each schedule exists once.
 */
@Injectable()
export class SystemSchedulers implements OnApplicationBootstrap {
  private readonly logger = new Logger('SystemSchedulers');

  constructor(@InjectQueue(QueueName.System) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    const name: JobName = 'system.purge_idempotency';
    await this.queue.upsertJobScheduler('purge-idempotency-records', { every: PURGE_EVERY_MS }, { name, data: {} });
    this.logger.log(`scheduler purge-idempotency-records: every ${PURGE_EVERY_MS / 60000} min`);
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { QueueName } from '@greenlight/contracts';
import { MaintenanceSchedule } from '@greenlight/operations';
import { IdempotencyStore } from '@greenlight/platform';
import { ConsumerOptions, JobHandlers, QueueConsumer } from '../consumers/queue-consumer';

/** Platform housekeeping jobs: the wiring probe, the idempotency purge and scheduled queue maintenance. */
@Injectable()
export class SystemConsumer implements QueueConsumer<typeof QueueName.System> {
  readonly queue = QueueName.System;
  private readonly logger = new Logger('SystemConsumer');

  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly maintenance: MaintenanceSchedule,
  ) {}

  options(): ConsumerOptions {
    return { concurrency: 2 };
  }

  handlers(): JobHandlers<typeof QueueName.System> {
    return {
      'system.ping': async (job) => ({ sent_at: job.data.sent_at, received_at: new Date().toISOString(), worker_pid: process.pid }),
      'system.purge_idempotency': async () => {
        const deleted = await this.idempotency.purgeExpired();
        if (deleted > 0) this.logger.log(`purged ${deleted} expired idempotency records`);
        return { deleted };
      },
      'system.queue_maintenance': async (job) => {
        const windowMs = job.data.window_ms ?? (job.data.window_minutes ?? 5) * 60_000;
        const tally = await this.maintenance.sweep(job.data.schedule_name, windowMs, scheduledAt(job));
        if (tally.executed || tally.errors || tally.skipped || tally.deduped) this.logger.log(`scheduled queue maintenance: ${JSON.stringify(tally)}`);
        return tally;
      },
    };
  }
}

/**
 * When a scheduler's job was due: its id ends with that time (`repeat:<scheduler>:<ms>`). A job that
 * runs late (a busy worker, a retry) still belongs to the window it was scheduled in.
 */
function scheduledAt(job: Job): Date {
  const due = /^repeat:.+:(\d+)$/.exec(String(job.id ?? ''));
  return due ? new Date(Number(due[1])) : new Date(job.timestamp + (job.opts.delay ?? 0));
}

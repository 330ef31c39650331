import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { JobPayloads, JobsOf, QueueName } from '@greenlight/contracts';
import { IdempotencyStore, MaintenanceService } from '@greenlight/domain';
import { PrefixOwnership } from '@greenlight/queue';

type SystemJob = JobsOf<typeof QueueName.System>;

/** Platform housekeeping jobs. Every job name of the system queue has exactly one handler here. */
@Processor(QueueName.System, { concurrency: 2 })
export class SystemProcessor extends WorkerHost {
  private readonly logger = new Logger('SystemProcessor');
  private readonly handlers: { [J in SystemJob]: (data: JobPayloads[J]) => Promise<unknown> };

  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly maintenance: MaintenanceService,
    private readonly ownership: PrefixOwnership,
  ) {
    super();
    this.handlers = {
      'system.ping': async (data) => ({ sent_at: data.sent_at, received_at: new Date().toISOString(), worker_pid: process.pid }),
      'system.purge_idempotency': async () => {
        const deleted = await this.idempotency.purgeExpired();
        if (deleted > 0) this.logger.log(`purged ${deleted} expired idempotency records`);
        return { deleted };
      },
      'system.queue_maintenance': async (data) => {
        const tally = await this.maintenance.sweep(data.schedule_name, data.window_minutes);
        if (tally.executed || tally.errors) this.logger.log(`scheduled queue maintenance: ${JSON.stringify(tally)}`);
        return tally;
      },
    };
  }

  async process(job: Job, token?: string): Promise<unknown> {
    await this.ownership.leaveForeignJob(job, token);
    const handler = this.handlers[job.name as SystemJob] as ((data: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}" on queue ${QueueName.System}`);
    return handler(job.data);
  }

  /** Redis trouble, as the other consumers report it (without a listener BullMQ dumps it on stderr). */
  @OnWorkerEvent('error')
  onWorkerError(err: Error): void {
    this.logger.warn(`worker error: ${err.message}`);
  }
}

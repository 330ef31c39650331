import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { JobPayloads, JobsOf, QueueName } from '@greenlight/contracts';
import { MaintenanceSchedule } from '@greenlight/operations';
import { IdempotencyStore } from '@greenlight/platform';
import { PrefixOwnership } from '@greenlight/queue';

type SystemJob = JobsOf<typeof QueueName.System>;

/** Platform housekeeping jobs. Every job name of the system queue has exactly one handler here. */
@Processor(QueueName.System, { concurrency: 2 })
export class SystemProcessor extends WorkerHost {
  private readonly logger = new Logger('SystemProcessor');
  private readonly handlers: { [J in SystemJob]: (data: JobPayloads[J], job: Job) => Promise<unknown> };

  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly maintenance: MaintenanceSchedule,
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
      'system.queue_maintenance': async (data, job) => {
        const windowMs = data.window_ms ?? (data.window_minutes ?? 5) * 60_000;
        const tally = await this.maintenance.sweep(data.schedule_name, windowMs, scheduledAt(job));
        if (tally.executed || tally.errors || tally.skipped || tally.deduped) this.logger.log(`scheduled queue maintenance: ${JSON.stringify(tally)}`);
        return tally;
      },
    };
  }

  async process(job: Job, token?: string): Promise<unknown> {
    await this.ownership.leaveForeignJob(job, token);
    const handler = this.handlers[job.name as SystemJob] as ((data: unknown, job: Job) => Promise<unknown>) | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}" on queue ${QueueName.System}`);
    return handler(job.data, job);
  }

  /** Redis trouble, as the other consumers report it (without a listener BullMQ dumps it on stderr). */
  @OnWorkerEvent('error')
  onWorkerError(err: Error): void {
    this.logger.warn(`worker error: ${err.message}`);
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

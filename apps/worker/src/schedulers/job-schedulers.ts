import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { JobSchedulerTemplateOptions } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { JOB_QUEUE, JobEntry, JobName, QueueName } from '@greenlight/contracts';
import { JobProducer, PrefixOwnership } from '@greenlight/queue';

const PURGE_EVERY_MS = 10 * 60 * 1000;
export const PURGE_SCHEDULER_ID = 'purge-idempotency-records';
export const MAINTENANCE_SCHEDULER_ID = 'queue-maintenance';
export const MAINTENANCE_SCHEDULE_NAME = 'worker';
export const SWEEP_SCHEDULER_ID = 'notify-sweep';

/** One repeating job: a job of the catalogue every `every` ms, under a scheduler id. */
export type SchedulerSpec<J extends JobName = JobName> = { [K in J]: JobEntry<K> & { id: string; every: number; opts?: JobSchedulerTemplateOptions } }[J];

/** A scheduler's job id for the iteration due at `millis` (BullMQ names them so). */
const iterationJobId = (id: string, millis: number) => `repeat:${id}:${millis}`;

/**
 * The worker's repeating jobs, one BullMQ job scheduler each: the idempotency purge and queue
 * maintenance on the system queue, the outbox sweep on the notifications queue. A scheduler lives in
 * Redis only: a Redis that loses its data (restarted without persistence, flushed) loses every one of
 * them, and with them maintenance, the sweeper that re-enqueues webhook deliveries whose job was lost,
 * and the purge — until some worker boots again. So each worker creates them at boot and then checks
 * them again whenever its Redis connection is ready after a reconnect and every
 * JOB_SCHEDULER_CHECK_INTERVAL_MS (two reads per scheduler), recreating any that is missing or has
 * no upcoming job. Schedulers are keyed by id, so however many workers do this, each exists once.
 */
@Injectable()
export class JobSchedulers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobSchedulers');
  private timer?: NodeJS.Timeout;
  private readonly detach: (() => void)[] = [];
  private running: Promise<string[]> | null = null;
  private pending: string | null = null;

  constructor(
    private readonly queues: JobProducer,
    private readonly config: AppConfig,
    private readonly ownership: PrefixOwnership,
  ) {}

  /** Every scheduler this configuration wants, across all queues. */
  expected(): SchedulerSpec[] {
    const specs: SchedulerSpec[] = [
      { id: PURGE_SCHEDULER_ID, every: PURGE_EVERY_MS, name: 'system.purge_idempotency', data: {} },
      {
        id: SWEEP_SCHEDULER_ID,
        every: this.config.get('WEBHOOK_SWEEP_INTERVAL_MS'),
        name: 'notify.sweep',
        data: {},
        opts: { removeOnComplete: 100, removeOnFail: 100 },
      },
    ];
    // Queue maintenance (reap + prune per org policy); its dedupe window is its interval.
    const every = this.config.get('QUEUE_MAINTENANCE_INTERVAL_MS');
    if (every > 0) {
      const spec: SchedulerSpec<'system.queue_maintenance'> = {
        id: MAINTENANCE_SCHEDULER_ID,
        every,
        name: 'system.queue_maintenance',
        data: { schedule_name: MAINTENANCE_SCHEDULE_NAME, window_ms: every },
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 5000 } },
      };
      specs.push(spec);
    }
    return specs;
  }

  async onApplicationBootstrap(): Promise<void> {
    const specs = this.expected();
    // At boot every template is written again, so a changed interval or payload takes effect.
    for (const spec of specs) {
      await this.upsert(spec);
      this.logger.log(`scheduler ${spec.id}: every ${spec.every / 1000} s`);
    }
    if (!specs.some((s) => s.id === MAINTENANCE_SCHEDULER_ID)) {
      await this.queues.removeScheduler(QueueName.System, MAINTENANCE_SCHEDULER_ID);
      this.logger.log(`scheduler ${MAINTENANCE_SCHEDULER_ID}: disabled (QUEUE_MAINTENANCE_INTERVAL_MS=0)`);
    }
    // The connection is ready now; any later 'ready' follows a reconnect, perhaps to a Redis that lost its data.
    for (const name of new Set(specs.map((s) => JOB_QUEUE[s.name]))) {
      const client = await this.queues.queue(name).client;
      const onReady = () => void this.check('Redis connection ready again');
      client.on('ready', onReady);
      this.detach.push(() => client.off('ready', onReady));
    }
    this.timer = setInterval(() => void this.check('periodic check'), this.config.get('JOB_SCHEDULER_CHECK_INTERVAL_MS'));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    for (const off of this.detach.splice(0)) off();
  }

  /**
   * Recreates the schedulers that are missing or have no upcoming job; answers their ids. A call while
   * a check runs joins it, and one more pass follows it (Redis may have lost its data meanwhile).
   */
  check(reason: string): Promise<string[]> {
    if (this.running) {
      this.pending = reason;
      return this.running;
    }
    this.running = (async () => {
      const recreated: string[] = [];
      for (let why: string | null = reason; why; why = this.pending) {
        this.pending = null;
        recreated.push(...(await this.repair(why)));
      }
      return recreated;
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async repair(reason: string): Promise<string[]> {
    // While another database holds the prefix, its own workers keep its schedules.
    if (!this.ownership.isOwner) return [];
    const recreated: string[] = [];
    try {
      for (const spec of this.expected()) {
        if (await this.present(spec)) continue;
        await this.upsert(spec);
        recreated.push(spec.id);
      }
    } catch (err) {
      // Redis unreachable: the queues already report it; the next reconnect or check tries again.
      this.logger.debug(`job scheduler check (${reason}) did not finish: ${(err as Error).message}`);
    }
    if (recreated.length) {
      this.logger.warn(
        `recreated job scheduler(s) ${recreated.join(', ')} (${reason}): Redis had lost them — restarted without persistence, flushed, or evicting keys? See README, production Redis`,
      );
    }
    return recreated;
  }

  /** The scheduler exists and its upcoming iteration is a job that has not finished (else nothing would run it again). */
  private async present(spec: SchedulerSpec): Promise<boolean> {
    const queue = this.queues.queue(JOB_QUEUE[spec.name]);
    const scheduler = await queue.getJobScheduler(spec.id);
    if (!scheduler || scheduler.next === null || scheduler.next === undefined) return false;
    const state = await queue.getJobState(iterationJobId(spec.id, Number(scheduler.next)));
    return state !== 'unknown' && state !== 'completed' && state !== 'failed';
  }

  private async upsert(spec: SchedulerSpec): Promise<void> {
    await this.queues.upsertScheduler(spec.id, spec.every, spec);
  }
}

import type { Job, WorkerOptions } from 'bullmq';
import { JobPayloads, JobsOf, QueueName } from '@greenlight/contracts';

/** Handles one job of the catalogue: its payload is typed by its name. */
export type JobHandler<J extends keyof JobPayloads> = (job: Job<JobPayloads[J]>, token?: string) => Promise<unknown>;

/** Exactly one handler for every job name of queue `Q`: a name left out, or one of another queue, does not compile. */
export type JobHandlers<Q extends QueueName> = { [J in JobsOf<Q>]: JobHandler<J> };

/**
 * How many jobs a worker process takes at once, and how BullMQ guards them (lock, stalled-job
 * checks, the delay of custom backoff types). Left out, BullMQ's defaults apply.
 */
export interface ConsumerOptions extends Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'settings'> {
  /** Jobs of this queue one worker process runs at once. */
  concurrency: number;
  /** Jobs of this queue running at once across all workers (kept on the queue in Redis); 0 or unset = leave as is. */
  globalConcurrency?: number;
}

/**
 * What a processor declares about its queue; the queue workers do the rest (connection, the prefix
 * owner gate, unknown job names, logs, metrics, start and graceful stop).
 */
export interface QueueConsumer<Q extends QueueName = QueueName> {
  readonly queue: Q;
  handlers(): JobHandlers<Q>;
  options(): ConsumerOptions;
  /** What the start-up log line says about this consumer besides its concurrency. */
  describe?(): string;
  /** Runs every handler call, e.g. to wait out an outage of our own infrastructure instead of failing the job. */
  around?(job: Job, token: string | undefined, handle: () => Promise<unknown>): Promise<unknown>;
  /** After its worker started taking jobs. */
  started?(): void | Promise<void>;
  /** Before its worker stops taking jobs. */
  stopping?(): void | Promise<void>;
}

import type { DefaultJobOptions, KeepJobs } from 'bullmq';
import { AppConfig, AppConfigValues } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';

type NumberSetting = { [K in keyof AppConfigValues]: AppConfigValues[K] extends number ? K : never }[keyof AppConfigValues];

interface QueueJobSettings {
  attempts: NumberSetting;
  backoffMs: NumberSetting;
  keepCompletedSeconds: NumberSetting;
  keepCompletedCount: NumberSetting;
  keepFailedSeconds: NumberSetting;
}

/** Which settings give each queue's jobs their tries, first retry delay and retention. */
export const QUEUE_JOB_SETTINGS: Record<QueueName, QueueJobSettings> = {
  [QueueName.System]: {
    attempts: 'QUEUE_SYSTEM_JOB_ATTEMPTS',
    backoffMs: 'QUEUE_SYSTEM_JOB_BACKOFF_MS',
    keepCompletedSeconds: 'QUEUE_SYSTEM_KEEP_COMPLETED_SECONDS',
    keepCompletedCount: 'QUEUE_SYSTEM_KEEP_COMPLETED_COUNT',
    keepFailedSeconds: 'QUEUE_SYSTEM_KEEP_FAILED_SECONDS',
  },
  [QueueName.EvalRuns]: {
    attempts: 'EVAL_WORKER_ATTEMPTS',
    backoffMs: 'EVAL_WORKER_BACKOFF_MS',
    keepCompletedSeconds: 'QUEUE_EVAL_RUNS_KEEP_COMPLETED_SECONDS',
    keepCompletedCount: 'QUEUE_EVAL_RUNS_KEEP_COMPLETED_COUNT',
    keepFailedSeconds: 'QUEUE_EVAL_RUNS_KEEP_FAILED_SECONDS',
  },
  [QueueName.Notifications]: {
    attempts: 'QUEUE_NOTIFICATIONS_JOB_ATTEMPTS',
    backoffMs: 'QUEUE_NOTIFICATIONS_JOB_BACKOFF_MS',
    keepCompletedSeconds: 'QUEUE_NOTIFICATIONS_KEEP_COMPLETED_SECONDS',
    keepCompletedCount: 'QUEUE_NOTIFICATIONS_KEEP_COMPLETED_COUNT',
    keepFailedSeconds: 'QUEUE_NOTIFICATIONS_KEEP_FAILED_SECONDS',
  },
};

/** How many finished jobs Redis keeps: up to an age and/or a count (0 = no such limit); no limit at all keeps them until pruned. */
export function keepJobs(ageSeconds: number, count: number): KeepJobs | false {
  if (ageSeconds <= 0) return count > 0 ? { count } : false;
  return count > 0 ? { age: ageSeconds, count } : { age: ageSeconds };
}

/**
 * The options a queue gives each job that does not set its own: tries, exponential backoff from
 * the first retry delay, and how long finished jobs stay in Redis (queue maintenance prunes the rest).
 */
export function queueJobDefaults(config: AppConfig, queue: QueueName): DefaultJobOptions {
  const s = QUEUE_JOB_SETTINGS[queue];
  return {
    attempts: config.get(s.attempts),
    backoff: { type: 'exponential', delay: config.get(s.backoffMs) },
    removeOnComplete: keepJobs(config.get(s.keepCompletedSeconds), config.get(s.keepCompletedCount)),
    removeOnFail: keepJobs(config.get(s.keepFailedSeconds), 0),
  };
}

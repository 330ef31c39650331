import { int, setting } from './env-rules';

const DAY_SECONDS = 86_400;
const KEEP_SECONDS_MAX = 3650 * DAY_SECONDS;
const KEEP_COUNT_MAX = 10_000_000;

/**
 * Queue operations, scheduled maintenance, job schedulers, and the job options each queue gives its
 * jobs unless a job sets its own: tries, first retry delay (doubling each try) and how long finished
 * jobs stay in Redis. The eval-runs queue's tries and delay are EVAL_WORKER_ATTEMPTS and
 * EVAL_WORKER_BACKOFF_MS.
 */
export const QUEUE_SETTINGS = {
  QUEUE_OPS_SCAN_LIMIT: setting(
    int(100, 1_000_000),
    20_000,
    'Most jobs per queue state that one queue-operations request inspects (org-scoped counts, failed-job lists, prune)',
  ),
  QUEUE_MAINTENANCE_INTERVAL_MS: setting(
    int(0, 86_400_000),
    300_000,
    'How often the worker runs scheduled queue maintenance (reap + prune per org policy); also its dedupe window (at most one scheduled run per org per interval); 0 = never',
  ),
  QUEUE_MAINTENANCE_LEASE_MS: setting(
    int(3000, 3_600_000),
    60_000,
    'Lease of a running maintenance run, renewed every third of it; a run whose lease expired (its process died) is failed as orphaned by the next trigger',
  ),
  JOB_SCHEDULER_CHECK_INTERVAL_MS: setting(
    int(1000, 3_600_000),
    30_000,
    'How often the worker checks that every job scheduler (maintenance, outbox sweep, idempotency purge) exists in Redis and recreates lost ones; also on every Redis reconnect',
  ),
  QUEUE_STALE_RUN_SECONDS: setting(int(10, 7 * 86_400), 900, 'Platform default: a run with no live job and no progress for this long is stale (reap)'),
  QUEUE_RETENTION_DAYS: setting(int(0, 3650), 7, 'Platform default: finished jobs older than this are pruned'),

  QUEUE_SYSTEM_JOB_ATTEMPTS: setting(int(1, 50), 1, 'Tries of a system job (housekeeping); scheduled queue maintenance makes 3 whatever this says'),
  QUEUE_SYSTEM_JOB_BACKOFF_MS: setting(int(10, 3_600_000), 5_000, 'First retry delay of a system job; doubles each try'),
  QUEUE_SYSTEM_KEEP_COMPLETED_SECONDS: setting(int(0, KEEP_SECONDS_MAX), DAY_SECONDS, 'How long a completed system job stays in Redis (0 = no age limit)'),
  QUEUE_SYSTEM_KEEP_COMPLETED_COUNT: setting(int(0, KEEP_COUNT_MAX), 10_000, 'Most completed system jobs kept in Redis (0 = no count limit)'),
  QUEUE_SYSTEM_KEEP_FAILED_SECONDS: setting(int(0, KEEP_SECONDS_MAX), 7 * DAY_SECONDS, 'How long a failed system job stays in Redis (0 = until pruned)'),

  QUEUE_EVAL_RUNS_KEEP_COMPLETED_SECONDS: setting(
    int(0, KEEP_SECONDS_MAX),
    DAY_SECONDS,
    'How long a completed job of the eval-runs queue stays in Redis (0 = no age limit)',
  ),
  QUEUE_EVAL_RUNS_KEEP_COMPLETED_COUNT: setting(
    int(0, KEEP_COUNT_MAX),
    10_000,
    'Most completed jobs of the eval-runs queue kept in Redis (0 = no count limit)',
  ),
  QUEUE_EVAL_RUNS_KEEP_FAILED_SECONDS: setting(
    int(0, KEEP_SECONDS_MAX),
    7 * DAY_SECONDS,
    'How long a failed job of the eval-runs queue stays in Redis (0 = until pruned)',
  ),

  QUEUE_NOTIFICATIONS_JOB_ATTEMPTS: setting(
    int(1, 50),
    1,
    'Tries of a notifications job; a delivery is retried on WEBHOOK_RETRY_SCHEDULE_MS by new jobs, whatever this says',
  ),
  QUEUE_NOTIFICATIONS_JOB_BACKOFF_MS: setting(int(10, 3_600_000), 5_000, 'First retry delay of a notifications job; doubles each try'),
  QUEUE_NOTIFICATIONS_KEEP_COMPLETED_SECONDS: setting(
    int(0, KEEP_SECONDS_MAX),
    DAY_SECONDS,
    'How long a completed notifications job stays in Redis (0 = no age limit)',
  ),
  QUEUE_NOTIFICATIONS_KEEP_COMPLETED_COUNT: setting(int(0, KEEP_COUNT_MAX), 10_000, 'Most completed notifications jobs kept in Redis (0 = no count limit)'),
  QUEUE_NOTIFICATIONS_KEEP_FAILED_SECONDS: setting(
    int(0, KEEP_SECONDS_MAX),
    7 * DAY_SECONDS,
    'How long a failed notifications job stays in Redis (0 = until pruned)',
  ),
};

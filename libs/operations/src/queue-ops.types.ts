import type { QueueName } from '@greenlight/contracts';
import type { QueueJobView } from './job-inspector';

export type { ReapItem, ReapParams, ReapView } from './stale-run-reaper';

// What the queue operations answer: counts, the dead-letter set, retries and replays, cancels, prunes.

export interface QueueCountsView {
  name: string;
  paused: boolean;
  /** The queue-wide cap on jobs running at once (null: none). Platform-wide view only. */
  global_concurrency: number | null;
  /** Worker connections consuming the queue. Platform-wide view only. */
  workers: number | null;
  counts: Record<'waiting' | 'prioritized' | 'delayed' | 'active' | 'waiting_children' | 'completed' | 'failed', number>;
  /** Org-scoped counts are read by scanning, up to QUEUE_OPS_SCAN_LIMIT jobs per state; true when that limit cut the scan. */
  scan_truncated: boolean;
}

export interface QueueStatsView {
  org_id: string | null;
  checked_at: string;
  queues: QueueCountsView[];
  /** Eval runs by status; `queued` are pending runs whose start job has been enqueued. */
  runs: { pending: number; queued: number; running: number; completed: number; failed: number; cancelled: number };
  /** Jobs waiting for a retry after a failed attempt. */
  retry_backlog: number;
  /** Jobs that failed after every attempt (the dead-letter set). */
  dead_letter_count: number;
  /** Age of the oldest queued run that has not started, in seconds (null: none queued). */
  oldest_queued_age_seconds: number | null;
}

export interface FailedJobsFilter {
  org_id?: string;
  queue?: QueueName;
  name?: string;
}

export interface JobActionView {
  job_id: string;
  queue: string;
  name: string;
  run_id: string | null;
  org_id: string | null;
  /**
   * `run_resumed` / `run_restarted`: the job's run was requeued with a new start job (`new_job_id`);
   * `job_retried`: the job itself went back to waiting; `job_requeued`: a delayed copy replaced it;
   * `superseded`: another job of the same run was already requeued by this request; `would_*`: dry run.
   */
  action: string;
  new_job_id: string | null;
}

export interface RetryJobView extends JobActionView {
  previous_state: string;
}

export interface CancelJobView {
  job: QueueJobView;
  previous_state: string;
  cancelled: boolean;
  /** The job was taken off the queue (it had not started). Running chunks stop between cases instead. */
  removed: boolean;
  run: { id: string; status: string } | null;
}

export interface ReplayView {
  dry_run: boolean;
  limit: number;
  delay_seconds: number;
  selected: number;
  replayed: number;
  items: JobActionView[];
  scan_truncated: boolean;
}

export interface PruneParams {
  retention_days: number;
  limit: number;
  dry_run: boolean;
}

export interface PruneView extends PruneParams {
  org_id: string | null;
  cutoff: string;
  selected: number;
  pruned: number;
  by_state: { completed: number; failed: number };
  /** The first 100 selected job ids. */
  job_ids: string[];
  scan_truncated: boolean;
}

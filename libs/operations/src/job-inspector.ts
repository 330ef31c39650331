import type { Job, JobType, Queue } from 'bullmq';

/** A BullMQ job as operators see it: no payload beyond the ids it refers to. */
export interface QueueJobView {
  job_id: string;
  queue: string;
  name: string;
  state: string;
  org_id: string | null;
  run_id: string | null;
  epoch: number | null;
  chunk: number | null;
  case_count: number | null;
  attempts_made: number;
  max_attempts: number;
  failed_reason: string | null;
  progress: unknown;
  created_at: string;
  processed_at: string | null;
  finished_at: string | null;
}

const PAGE = 500;

export const jobOrg = (job: Job): string | null => (typeof job.data?.org_id === 'string' ? job.data.org_id : null);

/** The eval run a job works for, if any. */
export const jobRun = (job: Job): string | null => (typeof job.data?.run_id === 'string' ? job.data.run_id : null);

/** What every report of an action on a job starts with: which job, of which run and org. */
export function jobRef(queue: string, job: Job): { job_id: string; queue: string; name: string; run_id: string | null; org_id: string | null } {
  return { job_id: String(job.id), queue, name: job.name, run_id: jobRun(job), org_id: jobOrg(job) };
}

/** Removes a job; false when a worker holds its lock or it is already gone. */
export async function removeQuietly(job: Job): Promise<boolean> {
  try {
    await job.remove();
    return true;
  } catch {
    return false;
  }
}

export function presentJob(queue: string, job: Job, state: string): QueueJobView {
  const d = (job.data ?? {}) as { epoch?: unknown; chunk?: unknown; case_ids?: unknown };
  return {
    job_id: String(job.id),
    queue,
    name: job.name,
    state,
    org_id: jobOrg(job),
    run_id: jobRun(job),
    epoch: typeof d.epoch === 'number' ? d.epoch : null,
    chunk: typeof d.chunk === 'number' ? d.chunk : null,
    case_count: Array.isArray(d.case_ids) ? d.case_ids.length : null,
    attempts_made: job.attemptsMade,
    max_attempts: job.opts.attempts ?? 1,
    failed_reason: job.failedReason ? job.failedReason.slice(0, 2000) : null,
    progress: job.progress ?? null,
    created_at: new Date(job.timestamp).toISOString(),
    processed_at: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    finished_at: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

export interface ScanResult {
  jobs: Job[];
  /** The state held more jobs than the scan limit: counts and lists are lower bounds. */
  truncated: boolean;
}

/**
 * Reads the jobs of one state, oldest first (finished states are ordered by finish time), up to
 * `limit` jobs inspected, keeping those `keep` accepts. BullMQ has no per-org index, so org-scoped
 * views scan; the limit bounds what one request costs.
 */
export async function scanJobs(
  queue: Queue,
  state: JobType,
  limit: number,
  keep: (job: Job) => boolean,
  stopWhen?: (job: Job) => boolean,
): Promise<ScanResult> {
  const jobs: Job[] = [];
  for (let start = 0; start < limit; start += PAGE) {
    const page = (await queue.getJobs([state], start, Math.min(start + PAGE, limit) - 1, true)).filter(Boolean) as Job[];
    for (const job of page) {
      if (stopWhen?.(job)) return { jobs, truncated: false };
      if (keep(job)) jobs.push(job);
    }
    if (page.length < Math.min(PAGE, limit - start)) return { jobs, truncated: false };
  }
  return { jobs, truncated: true };
}

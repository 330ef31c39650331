import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, JobType } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode, QueueName } from '@greenlight/contracts';
import { EvalRunEntity, Page } from '@greenlight/database';
import { ALL_QUEUES, JobProducer } from '@greenlight/queue';
import { Actor } from '@greenlight/tenancy';
import { ActivityService } from '@greenlight/platform';
import { DomainError } from '@greenlight/platform';
import { RunQueueService } from '@greenlight/evaluation';
import { jobOrg, presentJob, QueueJobView, scanJobs } from './job-inspector';
import { ReapParams, ReapView, StaleRunReaper } from './stale-run-reaper';

export type { ReapItem, ReapParams, ReapView } from './stale-run-reaper';
import { resolveOrgScope } from '@greenlight/platform';

const COUNTED_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed'] as const;
type CountedState = (typeof COUNTED_STATES)[number];
const REMOVABLE_STATES = new Set(['waiting', 'prioritized', 'delayed']);

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

/**
 * Operator view of the BullMQ queues (seed steps 68–69, 91, 94, 98–99): counts, the dead-letter set,
 * retry, cancel, bulk replay, reaping runs nobody executes any more, pruning finished jobs. Every
 * action on an eval-runs job goes through the run, so the run row and its jobs stay consistent.
 */
@Injectable()
export class QueueOpsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly producer: JobProducer,
    private readonly runQueue: RunQueueService,
    private readonly reaper: StaleRunReaper,
    private readonly activity: ActivityService,
    private readonly config: AppConfig,
  ) {}

  private get scanLimit(): number {
    return this.config.get('QUEUE_OPS_SCAN_LIMIT');
  }

  scope(actor: Actor, requested: string | undefined | null, required = false): Promise<string | null> {
    return resolveOrgScope(this.db, actor, requested, required);
  }

  async stats(actor: Actor, requestedOrg?: string): Promise<QueueStatsView> {
    const org = await this.scope(actor, requestedOrg);
    const queues: QueueCountsView[] = [];
    let retryBacklog = 0;
    for (const name of ALL_QUEUES) {
      const queue = this.producer.queue(name);
      const delayed = await scanJobs(queue, 'delayed', this.scanLimit, (j) => j.attemptsMade > 0 && (org === null || jobOrg(j) === org));
      retryBacklog += delayed.jobs.length;
      if (org === null) {
        const c = await queue.getJobCounts(...COUNTED_STATES);
        queues.push({
          name,
          paused: await queue.isPaused(),
          global_concurrency: await queue.getGlobalConcurrency(),
          workers: (await queue.getWorkers()).length,
          counts: countsView((s) => c[s] ?? 0),
          scan_truncated: false,
        });
      } else {
        const counted: Partial<Record<CountedState, number>> = {};
        let truncated = false;
        for (const state of COUNTED_STATES) {
          const r = await scanJobs(queue, state, this.scanLimit, (j) => jobOrg(j) === org);
          counted[state] = r.jobs.length;
          truncated ||= r.truncated;
        }
        queues.push({
          name,
          paused: await queue.isPaused(),
          global_concurrency: null,
          workers: null,
          counts: countsView((s) => counted[s] ?? 0),
          scan_truncated: truncated,
        });
      }
    }
    const rows: { status: string; n: string; queued: string; oldest_queued: string | null }[] = await this.db.query(
      `SELECT status, count(*) AS n, count(*) FILTER (WHERE status = 'pending' AND queue_epoch > 0) AS queued,
              extract(epoch FROM now() - min(updated_at) FILTER (WHERE status = 'pending' AND queue_epoch > 0)) AS oldest_queued
       FROM eval_runs WHERE ($1::uuid IS NULL OR org_id = $1) GROUP BY status`,
      [org],
    );
    const runs = { pending: 0, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    let oldest: number | null = null;
    for (const r of rows) {
      runs[r.status as keyof typeof runs] = Number(r.n);
      if (r.status === 'pending') {
        runs.queued = Number(r.queued);
        oldest = r.oldest_queued === null ? null : Math.max(0, Math.round(Number(r.oldest_queued)));
      }
    }
    return {
      org_id: org,
      checked_at: new Date().toISOString(),
      queues,
      runs,
      retry_backlog: retryBacklog,
      dead_letter_count: queues.reduce((n, q) => n + q.counts.failed, 0),
      oldest_queued_age_seconds: oldest,
    };
  }

  /** The dead-letter set: jobs that failed after every attempt, oldest first (the order replay takes them). */
  async failed(actor: Actor, filter: FailedJobsFilter, page: { limit: number; offset: number }): Promise<Page<QueueJobView> & { scan_truncated: boolean }> {
    const org = await this.scope(actor, filter.org_id);
    const { jobs, truncated } = await this.collectFailed(org, filter);
    const items = jobs.slice(page.offset, page.offset + page.limit).map(({ queue, job }) => presentJob(queue, job, 'failed'));
    return { items, limit: page.limit, offset: page.offset, total: jobs.length, scan_truncated: truncated };
  }

  async getJob(actor: Actor, jobId: string, queueName?: QueueName): Promise<QueueJobView> {
    const { queue, job } = await this.findJob(actor, jobId, queueName);
    return presentJob(queue, job, await job.getState());
  }

  /** Retries one failed job (seed step 69): only jobs in the dead-letter set are retryable. */
  async retry(actor: Actor, jobId: string, opts: { queue?: QueueName; delay_seconds: number }): Promise<RetryJobView> {
    const { queue, job } = await this.findJob(actor, jobId, opts.queue);
    const state = await job.getState();
    if (state !== 'failed') {
      throw new DomainError(ErrorCode.QUEUE_JOB_NOT_RETRYABLE, `job ${jobId} is ${state}; only failed jobs can be retried`, { job_id: jobId, state });
    }
    const view = await this.retryFailed(actor, queue, job, opts.delay_seconds * 1000, new Set(), 'job_retry');
    return { ...view, previous_state: state };
  }

  /** Cancels a job (seed step 69): an eval-runs job cancels its run; jobs that have finished stay as they are. */
  async cancel(actor: Actor, jobId: string, queueName?: QueueName): Promise<CancelJobView> {
    const { queue, job } = await this.findJob(actor, jobId, queueName);
    const state = await job.getState();
    const live = REMOVABLE_STATES.has(state) || state === 'active' || state === 'waiting-children';
    if (queue === QueueName.EvalRuns && typeof job.data?.run_id === 'string') {
      const run = await this.db.getRepository(EvalRunEntity).findOneBy({ id: job.data.run_id });
      if (!run) return { job: presentJob(queue, job, state), previous_state: state, cancelled: false, removed: false, run: null };
      let cancelled = false;
      let removed = false;
      if (live && run.queue_epoch === job.data.epoch && (run.status === 'pending' || run.status === 'running')) {
        cancelled = (await this.runQueue.cancel(actor, run.id)).cancelled;
        if (cancelled && REMOVABLE_STATES.has(state) && job.name === 'eval.run.start') removed = await removeQuietly(job);
      }
      const now = await this.db.getRepository(EvalRunEntity).findOneByOrFail({ id: run.id });
      const after = removed ? 'removed' : await job.getState();
      return { job: presentJob(queue, job, after), previous_state: state, cancelled, removed, run: { id: now.id, status: now.status } };
    }
    const removed = REMOVABLE_STATES.has(state) ? await removeQuietly(job) : false;
    return { job: presentJob(queue, job, removed ? 'removed' : state), previous_state: state, cancelled: removed, removed, run: null };
  }

  /** Bulk replay of the dead-letter set, oldest first (seed step 91). */
  async replay(actor: Actor, input: { org_id?: string; queue?: QueueName; limit: number; delay_seconds: number; dry_run: boolean }): Promise<ReplayView> {
    const org = await this.scope(actor, input.org_id);
    const { jobs, truncated } = await this.collectFailed(org, { queue: input.queue });
    const selected = jobs.slice(0, input.limit);
    const handledRuns = new Set<string>();
    const items: JobActionView[] = [];
    let replayed = 0;
    for (const { queue, job } of selected) {
      if (input.dry_run) {
        const plan = await this.planRetry(queue, job, handledRuns);
        items.push({ ...actionBase(queue, job), action: plan.kind === 'superseded' ? 'superseded' : 'would_replay', new_job_id: null });
        continue;
      }
      try {
        const item = await this.retryFailed(actor, queue, job, input.delay_seconds * 1000, handledRuns, 'bulk_replay');
        items.push(item);
        if (item.action !== 'superseded') replayed++;
      } catch (err) {
        // One job that cannot be replayed (e.g. its run changed meanwhile) does not stop the others.
        items.push({ ...actionBase(queue, job), action: `error: ${(err as Error).message}`.slice(0, 300), new_job_id: null });
      }
    }
    return {
      dry_run: input.dry_run,
      limit: input.limit,
      delay_seconds: input.delay_seconds,
      selected: selected.length,
      replayed,
      items,
      scan_truncated: truncated,
    };
  }

  /** Reaps runs nobody executes any more (seed step 98, adapted): see StaleRunReaper. */
  reapStale(actor: Actor | null, org: string | null, p: ReapParams): Promise<ReapView> {
    return this.reaper.reap(actor, org, p);
  }

  /** Removes finished jobs (completed and failed) older than the retention window (seed step 99). */
  async prune(org: string | null, p: PruneParams): Promise<PruneView> {
    const cutoffMs = Date.now() - p.retention_days * 86_400_000;
    const selected: { job: Job; state: 'completed' | 'failed' }[] = [];
    let truncated = false;
    for (const name of ALL_QUEUES) {
      const queue = this.producer.queue(name);
      for (const state of ['failed', 'completed'] as const) {
        if (selected.length >= p.limit) break;
        // Finished sets are ordered by finish time: stop at the first job inside the window.
        const r = await scanJobs(
          queue,
          state,
          this.scanLimit,
          (j) => org === null || jobOrg(j) === org,
          (j) => (j.finishedOn ?? 0) >= cutoffMs,
        );
        truncated ||= r.truncated;
        for (const job of r.jobs) {
          if (selected.length >= p.limit) break;
          selected.push({ job, state });
        }
      }
    }
    let pruned = 0;
    if (!p.dry_run) for (const { job } of selected) if (await removeQuietly(job)) pruned++;
    return {
      org_id: org,
      ...p,
      cutoff: new Date(cutoffMs).toISOString(),
      selected: selected.length,
      pruned,
      by_state: { completed: selected.filter((s) => s.state === 'completed').length, failed: selected.filter((s) => s.state === 'failed').length },
      job_ids: selected.slice(0, 100).map((s) => String(s.job.id)),
      scan_truncated: truncated,
    };
  }

  /**
   * What retrying a failed job means. A job of an eval run acts through its run: a job of an older
   * epoch than the run's (the run was requeued or restarted since), or of a run this request already
   * requeued, is superseded; otherwise the run is requeued. Other jobs are retried themselves.
   */
  private async planRetry(
    queue: QueueName,
    job: Job,
    handled: Set<string>,
  ): Promise<{ kind: 'superseded' } | { kind: 'requeue'; run: EvalRunEntity } | { kind: 'job' }> {
    const runId = queue === QueueName.EvalRuns && typeof job.data?.run_id === 'string' ? job.data.run_id : null;
    const run = runId ? await this.db.getRepository(EvalRunEntity).findOneBy({ id: runId }) : null;
    if (!run) return { kind: 'job' };
    if (handled.has(run.id) || job.data.epoch !== run.queue_epoch) return { kind: 'superseded' };
    handled.add(run.id);
    return { kind: 'requeue', run };
  }

  /** Retries one failed job; `handled` holds the runs this request already requeued. */
  private async retryFailed(actor: Actor, queue: QueueName, job: Job, delayMs: number, handled: Set<string>, reason: string): Promise<JobActionView> {
    const base = actionBase(queue, job);
    const plan = await this.planRetry(queue, job, handled);
    if (plan.kind === 'superseded') {
      await removeQuietly(job);
      return { ...base, action: 'superseded', new_job_id: null };
    }
    if (plan.kind === 'requeue') {
      const run = plan.run;
      const requeued = await this.runQueue.requeue(run, { delayMs, reason });
      // The failed job is superseded by the new start job: it leaves the dead-letter set.
      await removeQuietly(job);
      if (reason === 'bulk_replay') {
        await this.activity.record(this.db.manager, actor, {
          org_id: run.org_id,
          agent_id: run.agent_id,
          event_type: 'run_requeued_bulk',
          metadata: { run_id: run.id, job_id: base.job_id, new_job_id: requeued.job_id, action: requeued.action },
        });
      }
      return { ...base, action: requeued.action, new_job_id: requeued.job_id };
    }
    if (delayMs > 0) {
      // BullMQ retries a job at once; a delayed retry is a delayed copy that replaces it.
      const copy = await this.producer.queue(queue).add(job.name, job.data, { attempts: job.opts.attempts, backoff: job.opts.backoff, delay: delayMs });
      await removeQuietly(job);
      return { ...base, action: 'job_requeued', new_job_id: String(copy.id) };
    }
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return { ...base, action: 'job_retried', new_job_id: base.job_id };
  }

  private async collectFailed(
    org: string | null,
    filter: { queue?: QueueName; name?: string },
  ): Promise<{ jobs: { queue: QueueName; job: Job }[]; truncated: boolean }> {
    const out: { queue: QueueName; job: Job }[] = [];
    let truncated = false;
    for (const name of filter.queue ? [filter.queue] : ALL_QUEUES) {
      const r = await scanJobs(
        this.producer.queue(name),
        'failed' as JobType,
        this.scanLimit,
        (j) => (org === null || jobOrg(j) === org) && (!filter.name || j.name === filter.name),
      );
      truncated ||= r.truncated;
      out.push(...r.jobs.map((job) => ({ queue: name, job })));
    }
    out.sort((a, b) => (a.job.finishedOn ?? 0) - (b.job.finishedOn ?? 0));
    return { jobs: out, truncated };
  }

  /** A job by id, on the queue given or on any queue; another org's job (or a platform job, for an org key) is 404. */
  private async findJob(actor: Actor, jobId: string, queueName?: QueueName): Promise<{ queue: QueueName; job: Job }> {
    for (const name of queueName ? [queueName] : ALL_QUEUES) {
      const job = await this.producer.queue(name).getJob(jobId);
      if (!job) continue;
      if (actor.org_id !== null && jobOrg(job) !== actor.org_id) break;
      return { queue: name, job };
    }
    throw DomainError.notFound('job', jobId);
  }
}

function countsView(get: (s: CountedState) => number): QueueCountsView['counts'] {
  return {
    waiting: get('waiting'),
    prioritized: get('prioritized'),
    delayed: get('delayed'),
    active: get('active'),
    waiting_children: get('waiting-children'),
    completed: get('completed'),
    failed: get('failed'),
  };
}

function actionBase(queue: string, job: Job): Omit<JobActionView, 'action' | 'new_job_id'> {
  return { job_id: String(job.id), queue, name: job.name, run_id: typeof job.data?.run_id === 'string' ? job.data.run_id : null, org_id: jobOrg(job) };
}

async function removeQuietly(job: Job): Promise<boolean> {
  try {
    await job.remove();
    return true;
  } catch {
    return false; // locked by a worker, or already gone
  }
}

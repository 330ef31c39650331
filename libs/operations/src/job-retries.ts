import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { ErrorCode, QueueName } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { JobProducer } from '@greenlight/queue';
import { Actor } from '@greenlight/tenancy';
import { ActivityService, DomainError, OrgScope } from '@greenlight/platform';
import { RunQueueService } from '@greenlight/evaluation';
import { jobRef, jobRun, removeQuietly } from './job-inspector';
import { QueueJobs } from './queue-jobs';
import type { JobActionView, ReplayView, RetryJobView } from './queue-ops.types';

type RetryPlan = { kind: 'superseded' } | { kind: 'requeue'; run: EvalRunEntity } | { kind: 'job' };

/**
 * Retries of failed jobs, one (`retry`) or the oldest of the dead-letter set (`replay`). A job of an
 * eval run acts through its run, so the run row and its jobs stay consistent; other jobs are retried as they are.
 */
@Injectable()
export class JobRetries {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly producer: JobProducer,
    private readonly jobs: QueueJobs,
    private readonly runQueue: RunQueueService,
    private readonly activity: ActivityService,
  ) {}

  /** Retries one failed job: only jobs in the dead-letter set are retryable. */
  async retry(actor: Actor, jobId: string, opts: { queue?: QueueName; delay_seconds: number }): Promise<RetryJobView> {
    const { queue, job } = await this.jobs.find(OrgScope.of(actor), jobId, opts.queue);
    const state = await job.getState();
    if (state !== 'failed') {
      throw new DomainError(ErrorCode.QUEUE_JOB_NOT_RETRYABLE, `job ${jobId} is ${state}; only failed jobs can be retried`, { job_id: jobId, state });
    }
    const view = await this.retryOne(actor, queue, job, opts.delay_seconds * 1000, new Set(), 'job_retry');
    return { ...view, previous_state: state };
  }

  /** Bulk replay of the dead-letter set, oldest first; one job that cannot be replayed does not stop the others. */
  async replay(actor: Actor, input: { org_id?: string; queue?: QueueName; limit: number; delay_seconds: number; dry_run: boolean }): Promise<ReplayView> {
    const scope = await OrgScope.resolve(this.db, actor, input.org_id);
    const { jobs, truncated } = await this.jobs.failed(scope, { queue: input.queue });
    const selected = jobs.slice(0, input.limit);
    const handledRuns = new Set<string>();
    const items: JobActionView[] = [];
    for (const { queue, job } of selected) {
      if (input.dry_run) {
        const plan = await this.plan(queue, job, handledRuns);
        items.push({ ...jobRef(queue, job), action: plan.kind === 'superseded' ? 'superseded' : 'would_replay', new_job_id: null });
        continue;
      }
      try {
        items.push(await this.retryOne(actor, queue, job, input.delay_seconds * 1000, handledRuns, 'bulk_replay'));
      } catch (err) {
        // e.g. its run changed meanwhile
        items.push({ ...jobRef(queue, job), action: `error: ${(err as Error).message}`.slice(0, 300), new_job_id: null });
      }
    }
    const replayed = input.dry_run ? 0 : items.filter((i) => i.action !== 'superseded' && !i.action.startsWith('error:')).length;
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

  /**
   * What retrying a failed job means. A job of an eval run acts through its run: a job of an older
   * epoch than the run's (the run was requeued or restarted since), or of a run this request already
   * requeued, is superseded; otherwise the run is requeued. Other jobs are retried themselves.
   */
  private async plan(queue: QueueName, job: Job, handled: Set<string>): Promise<RetryPlan> {
    const runId = queue === QueueName.EvalRuns ? jobRun(job) : null;
    const run = runId ? await this.db.getRepository(EvalRunEntity).findOneBy({ id: runId }) : null;
    if (!run) return { kind: 'job' };
    if (handled.has(run.id) || job.data.epoch !== run.queue_epoch) return { kind: 'superseded' };
    handled.add(run.id);
    return { kind: 'requeue', run };
  }

  /** Retries one failed job; `handled` holds the runs this request already requeued. */
  private async retryOne(actor: Actor, queue: QueueName, job: Job, delayMs: number, handled: Set<string>, reason: string): Promise<JobActionView> {
    const ref = jobRef(queue, job);
    const plan = await this.plan(queue, job, handled);
    if (plan.kind === 'superseded') {
      await removeQuietly(job);
      return { ...ref, action: 'superseded', new_job_id: null };
    }
    if (plan.kind === 'requeue') {
      const requeued = await this.runQueue.requeue(plan.run, { delayMs, reason });
      // The failed job is superseded by the new start job: it leaves the dead-letter set.
      await removeQuietly(job);
      if (reason === 'bulk_replay') await this.recordBulkRequeue(actor, plan.run, ref.job_id, requeued);
      return { ...ref, action: requeued.action, new_job_id: requeued.job_id };
    }
    if (delayMs > 0) {
      // BullMQ retries a job at once; a delayed retry is a delayed copy that replaces it.
      const copyId = await this.producer.requeueCopy(job, { delay: delayMs });
      await removeQuietly(job);
      return { ...ref, action: 'job_requeued', new_job_id: copyId };
    }
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return { ...ref, action: 'job_retried', new_job_id: ref.job_id };
  }

  private async recordBulkRequeue(actor: Actor, run: EvalRunEntity, jobId: string, requeued: { job_id: string; action: string }): Promise<void> {
    await this.activity.record(this.db.manager, actor, {
      org_id: run.org_id,
      agent_id: run.agent_id,
      event_type: 'run_requeued_bulk',
      metadata: { run_id: run.id, job_id: jobId, new_job_id: requeued.job_id, action: requeued.action },
    });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { QueueName } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { OrgScope } from '@greenlight/platform';
import { RunQueueService } from '@greenlight/evaluation';
import { jobRun, presentJob, removeQuietly } from './job-inspector';
import { QueueJobs } from './queue-jobs';
import type { CancelJobView } from './queue-ops.types';

/** States in which a job has not started: it can simply be taken off the queue. */
const REMOVABLE_STATES = new Set(['waiting', 'prioritized', 'delayed']);

/** Cancels jobs: a job of an eval run cancels its run; a job that has finished stays as it is. */
@Injectable()
export class JobCancellation {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: QueueJobs,
    private readonly runQueue: RunQueueService,
  ) {}

  async cancel(actor: Actor, jobId: string, queueName?: QueueName): Promise<CancelJobView> {
    const { queue, job } = await this.jobs.find(OrgScope.of(actor), jobId, queueName);
    const state = await job.getState();
    const runId = queue === QueueName.EvalRuns ? jobRun(job) : null;
    if (runId) return this.cancelRunOf(actor, queue, job, state, runId);
    const removed = REMOVABLE_STATES.has(state) ? await removeQuietly(job) : false;
    return { job: presentJob(queue, job, removed ? 'removed' : state), previous_state: state, cancelled: removed, removed, run: null };
  }

  /** A live job of the run's current epoch cancels the run (chunks stop between cases); a start job that had not begun is removed. */
  private async cancelRunOf(actor: Actor, queue: QueueName, job: Job, state: string, runId: string): Promise<CancelJobView> {
    const runs = this.db.getRepository(EvalRunEntity);
    const run = await runs.findOneBy({ id: runId });
    if (!run) return { job: presentJob(queue, job, state), previous_state: state, cancelled: false, removed: false, run: null };
    const live = REMOVABLE_STATES.has(state) || state === 'active' || state === 'waiting-children';
    let cancelled = false;
    let removed = false;
    if (live && run.queue_epoch === job.data.epoch && (run.status === 'pending' || run.status === 'running')) {
      cancelled = (await this.runQueue.cancel(actor, run.id)).cancelled;
      if (cancelled && REMOVABLE_STATES.has(state) && job.name === 'eval.run.start') removed = await removeQuietly(job);
    }
    const now = await runs.findOneByOrFail({ id: run.id });
    const after = removed ? 'removed' : await job.getState();
    return { job: presentJob(queue, job, after), previous_state: state, cancelled, removed, run: { id: now.id, status: now.status } };
  }
}

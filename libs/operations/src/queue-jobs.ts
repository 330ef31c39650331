import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { QueueName } from '@greenlight/contracts';
import { Page, PageRequest } from '@greenlight/database';
import { ALL_QUEUES, JobProducer } from '@greenlight/queue';
import { Actor } from '@greenlight/tenancy';
import { DomainError, OrgScope, pageOf } from '@greenlight/platform';
import { jobOrg, presentJob, QueueJobView, scanJobs } from './job-inspector';
import type { FailedJobsFilter } from './queue-ops.types';

export interface FoundJob {
  queue: QueueName;
  job: Job;
}

/** Finds jobs for operators: one by id, or the dead-letter set, always within the caller's org scope. */
@Injectable()
export class QueueJobs {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
  ) {}

  /** The dead-letter set: jobs that failed after every attempt, oldest first (the order replay takes them). */
  async listFailed(actor: Actor, filter: FailedJobsFilter, page: PageRequest): Promise<Page<QueueJobView> & { scan_truncated: boolean }> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const { jobs, truncated } = await this.failed(scope, filter);
    const items = jobs.slice(page.offset, page.offset + page.limit).map(({ queue, job }) => presentJob(queue, job, 'failed'));
    return { ...pageOf(items, jobs.length, page), scan_truncated: truncated };
  }

  async view(actor: Actor, jobId: string, queueName?: QueueName): Promise<QueueJobView> {
    const { queue, job } = await this.find(OrgScope.of(actor), jobId, queueName);
    return presentJob(queue, job, await job.getState());
  }

  /** A job by id, on the queue given or on any queue; another org's job (or a platform job, for an org key) is 404. */
  async find(scope: OrgScope, jobId: string, queueName?: QueueName): Promise<FoundJob> {
    for (const name of queueName ? [queueName] : ALL_QUEUES) {
      const job = await this.producer.queue(name).getJob(jobId);
      if (!job) continue;
      scope.assertIncludes(jobOrg(job), 'job', jobId);
      return { queue: name, job };
    }
    throw DomainError.notFound('job', jobId);
  }

  /** The failed jobs in scope (of one queue or all, optionally of one job name), oldest first; scans at most QUEUE_OPS_SCAN_LIMIT per queue. */
  async failed(scope: OrgScope, filter: { queue?: QueueName; name?: string }): Promise<{ jobs: FoundJob[]; truncated: boolean }> {
    const out: FoundJob[] = [];
    let truncated = false;
    for (const name of filter.queue ? [filter.queue] : ALL_QUEUES) {
      const r = await scanJobs(
        this.producer.queue(name),
        'failed',
        this.config.get('QUEUE_OPS_SCAN_LIMIT'),
        (j) => scope.includes(jobOrg(j)) && (!filter.name || j.name === filter.name),
      );
      truncated ||= r.truncated;
      out.push(...r.jobs.map((job) => ({ queue: name, job })));
    }
    out.sort((a, b) => (a.job.finishedOn ?? 0) - (b.job.finishedOn ?? 0));
    return { jobs: out, truncated };
  }
}

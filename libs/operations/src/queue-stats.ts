import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ALL_QUEUES, JobProducer } from '@greenlight/queue';
import { Actor } from '@greenlight/tenancy';
import { Clock, OrgScope } from '@greenlight/platform';
import { jobOrg, scanJobs } from './job-inspector';
import type { QueueCountsView, QueueStatsView } from './queue-ops.types';

const COUNTED_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed'] as const;
type CountedState = (typeof COUNTED_STATES)[number];

/**
 * Queue and run counts for operators: platform-wide from BullMQ's own counters, for one org by
 * scanning (BullMQ has no per-org index; QUEUE_OPS_SCAN_LIMIT bounds each state's scan).
 */
@Injectable()
export class QueueStats {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async stats(actor: Actor, requestedOrg?: string): Promise<QueueStatsView> {
    const scope = await OrgScope.resolve(this.db, actor, requestedOrg);
    const now = this.clock.date();
    const queues: QueueCountsView[] = [];
    let retryBacklog = 0;
    for (const name of ALL_QUEUES) {
      const queue = this.producer.queue(name);
      // Delayed jobs that already made an attempt are waiting for their retry.
      const delayed = await scanJobs(queue, 'delayed', this.scanLimit, (j) => j.attemptsMade > 0 && scope.includes(jobOrg(j)));
      retryBacklog += delayed.jobs.length;
      queues.push(scope.orgId === null ? await this.platformCounts(name, queue) : await this.orgCounts(name, queue, scope));
    }
    const { runs, oldest } = await this.runCounts(scope, now);
    return {
      org_id: scope.orgId,
      checked_at: now.toISOString(),
      queues,
      runs,
      retry_backlog: retryBacklog,
      dead_letter_count: queues.reduce((n, q) => n + q.counts.failed, 0),
      oldest_queued_age_seconds: oldest,
    };
  }

  private get scanLimit(): number {
    return this.config.get('QUEUE_OPS_SCAN_LIMIT');
  }

  private async platformCounts(name: string, queue: Queue): Promise<QueueCountsView> {
    const c = await queue.getJobCounts(...COUNTED_STATES);
    return {
      name,
      paused: await queue.isPaused(),
      global_concurrency: await queue.getGlobalConcurrency(),
      workers: (await queue.getWorkers()).length,
      counts: countsView((s) => c[s] ?? 0),
      scan_truncated: false,
    };
  }

  private async orgCounts(name: string, queue: Queue, scope: OrgScope): Promise<QueueCountsView> {
    const counted: Partial<Record<CountedState, number>> = {};
    let truncated = false;
    for (const state of COUNTED_STATES) {
      const r = await scanJobs(queue, state, this.scanLimit, (j) => scope.includes(jobOrg(j)));
      counted[state] = r.jobs.length;
      truncated ||= r.truncated;
    }
    return {
      name,
      paused: await queue.isPaused(),
      global_concurrency: null,
      workers: null,
      counts: countsView((s) => counted[s] ?? 0),
      scan_truncated: truncated,
    };
  }

  private async runCounts(scope: OrgScope, now: Date): Promise<{ runs: QueueStatsView['runs']; oldest: number | null }> {
    const params: unknown[] = [now];
    const rows: { status: string; n: string; queued: string; oldest_queued: string | null }[] = await this.db.query(
      `SELECT status, count(*) AS n, count(*) FILTER (WHERE status = 'pending' AND queue_epoch > 0) AS queued,
              extract(epoch FROM $1::timestamptz - min(updated_at) FILTER (WHERE status = 'pending' AND queue_epoch > 0)) AS oldest_queued
       FROM eval_runs WHERE ${scope.sql('org_id', params)} GROUP BY status`,
      params,
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
    return { runs, oldest };
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

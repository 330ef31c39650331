import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AppConfig } from '@greenlight/config';
import { ALL_QUEUES, JobProducer } from '@greenlight/queue';
import { Clock } from '@greenlight/platform';
import { jobOrg, removeQuietly, scanJobs } from './job-inspector';
import type { PruneParams, PruneView } from './queue-ops.types';

const DAY_MS = 86_400_000;

/** Removes finished jobs (completed and failed) older than the retention window. */
@Injectable()
export class JobPruner {
  constructor(
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** The finished jobs of `org` (null: of every org, platform jobs included) that finished before the window, up to `limit`. */
  async prune(org: string | null, p: PruneParams): Promise<PruneView> {
    const cutoffMs = this.clock.now() - p.retention_days * DAY_MS;
    const { selected, truncated } = await this.select(org, cutoffMs, p.limit);
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

  private async select(
    org: string | null,
    cutoffMs: number,
    limit: number,
  ): Promise<{ selected: { job: Job; state: 'completed' | 'failed' }[]; truncated: boolean }> {
    const selected: { job: Job; state: 'completed' | 'failed' }[] = [];
    let truncated = false;
    for (const name of ALL_QUEUES) {
      for (const state of ['failed', 'completed'] as const) {
        if (selected.length >= limit) return { selected, truncated };
        // Finished sets are ordered by finish time: stop at the first job inside the window.
        const r = await scanJobs(
          this.producer.queue(name),
          state,
          this.config.get('QUEUE_OPS_SCAN_LIMIT'),
          (j) => org === null || jobOrg(j) === org,
          (j) => (j.finishedOn ?? 0) >= cutoffMs,
        );
        truncated ||= r.truncated;
        for (const job of r.jobs.slice(0, limit - selected.length)) selected.push({ job, state });
      }
    }
    return { selected, truncated };
  }
}

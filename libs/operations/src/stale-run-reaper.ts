import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EvalRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { Clock } from '@greenlight/platform';
import { isLiveJobState, RunEventLog, RunLifecycle, RunQueueService, RunRecoveryService } from '@greenlight/evaluation';

export interface ReapParams {
  stale_run_seconds: number;
  max_runtime_seconds: number;
  limit: number;
  dry_run: boolean;
}

export interface ReapItem {
  run_id: string;
  org_id: string;
  status_before: string;
  /**
   * `failed` (a stale or overlong run), `requeued` (a pending run whose start job was lost), or for a
   * running run whose jobs were lost: `resumed` (new epoch, cases with a result skipped), `completed` /
   * `failed` (every case had a result, or it was resumed EVAL_RUN_MAX_RESUMES times); `would_*` on a dry run.
   */
  action: string;
  reason: 'stale' | 'timeout' | 'lost_job';
  idle_seconds: number;
  runtime_seconds: number | null;
}

export interface ReapView extends ReapParams {
  org_id: string | null;
  selected: number;
  reaped: number;
  items: ReapItem[];
}

/** Finds and reaps runs nobody executes any more; `POST /system/queue/jobs/reap-stale` and queue maintenance. */
@Injectable()
export class StaleRunReaper {
  private readonly logger = new Logger('StaleRunReaper');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly lifecycle: RunLifecycle,
    private readonly eventLog: RunEventLog,
    private readonly runQueue: RunQueueService,
    private readonly recovery: RunRecoveryService,
    private readonly clock: Clock,
  ) {}

  /**
   * Reaps runs nobody executes any more. BullMQ itself takes over jobs of dead
   * workers, so what is left to reap is a run with no live job of its epoch and no progress for
   * `stale_run_seconds`. A synchronous execute whose process died → failed with EVAL_RUN_STALE (`start`
   * resumes it); a queued run whose jobs are gone (Redis lost them, a start or finalize job failed for
   * good) → settled by RunRecoveryService (resumed, or finished when every case has a result); a run
   * running longer than `max_runtime_seconds` → failed with EVAL_RUN_TIMEOUT; a pending run whose start
   * job is gone → requeued. Workers find lost-job runs sooner on their own (EVAL_RUN_RECOVERY_INTERVAL_MS).
   */
  async reap(actor: Actor | null, org: string | null, p: ReapParams): Promise<ReapView> {
    const items: ReapItem[] = [];
    let after: { updated_at: Date; id: string } | null = null;
    let reaped = 0;
    const now = this.clock.date();
    scan: for (let pages = 0; pages < 50; pages++) {
      // Idle and runtime are measured on the injected clock, so a test can move time past the thresholds.
      const rows: (EvalRunEntity & { idle_s: string; runtime_s: string | null })[] = await this.db.query(
        `SELECT *, extract(epoch FROM $6::timestamptz - updated_at) AS idle_s, extract(epoch FROM $6::timestamptz - started_at) AS runtime_s
         FROM eval_runs
         WHERE status IN ('pending', 'running') AND ($1::uuid IS NULL OR org_id = $1)
           AND ((status = 'running' AND (updated_at < $6::timestamptz - make_interval(secs => $2) OR started_at < $6::timestamptz - make_interval(secs => $3)))
             OR (status = 'pending' AND queue_epoch > 0 AND updated_at < $6::timestamptz - make_interval(secs => $2)))
           AND ($4::timestamptz IS NULL OR (updated_at, id) > ($4, $5::uuid))
         ORDER BY updated_at, id LIMIT 200`,
        [org, p.stale_run_seconds, p.max_runtime_seconds, after?.updated_at ?? null, after?.id ?? null, now],
      );
      if (rows.length === 0) break;
      for (const run of rows) {
        const idle = Math.round(Number(run.idle_s));
        const runtime = run.runtime_s === null ? null : Math.round(Number(run.runtime_s));
        let reason: ReapItem['reason'] | null = null;
        if (run.status === 'running' && runtime !== null && runtime > p.max_runtime_seconds) reason = 'timeout';
        else {
          const jobs = await this.runQueue.epochJobStates(run);
          const live = isLiveJobState(jobs.start) || isLiveJobState(jobs.finalize);
          if (run.status === 'running' && idle > p.stale_run_seconds && !live) reason = (await this.eventLog.isQueuedEpoch(run)) ? 'lost_job' : 'stale';
          else if (run.status === 'pending' && jobs.start === null && !live) reason = 'lost_job';
        }
        if (!reason) continue;
        const planned = reason !== 'lost_job' ? 'failed' : run.status === 'pending' ? 'requeued' : 'resumed';
        const item: ReapItem = {
          run_id: run.id,
          org_id: run.org_id,
          status_before: run.status,
          action: p.dry_run ? WOULD[planned] : planned,
          reason,
          idle_seconds: idle,
          runtime_seconds: runtime,
        };
        if (!p.dry_run) {
          const done = await this.reapFound(actor, run, reason, p.max_runtime_seconds);
          if (!done) continue;
          item.action = done;
        }
        items.push(item);
        if (!p.dry_run) reaped++;
        if (items.length >= p.limit) break scan;
      }
      const last = rows[rows.length - 1];
      after = { updated_at: last.updated_at, id: last.id };
      if (rows.length < 200) break;
    }
    return { org_id: org, ...p, selected: items.length, reaped, items };
  }

  /**
   * Reaps one run; answers what was done (the item's action), or null when the run had moved on. A
   * stale or overlong run is failed by the lifecycle's reap move (its event, activity and webhook in
   * the same transaction); a run whose jobs were lost is moved by recovery, and the reap is noted on it.
   */
  private async reapFound(actor: Actor | null, run: EvalRunEntity, reason: ReapItem['reason'], maxRuntimeSeconds: number): Promise<string | null> {
    try {
      if (reason !== 'lost_job') {
        await this.lifecycle.reapRun(run, reason, { actor, detected_by: 'reaper', max_runtime_seconds: reason === 'timeout' ? maxRuntimeSeconds : undefined });
        return 'failed';
      }
      let action = 'requeued';
      if (run.status === 'running') {
        const outcome = await this.recovery.settle(run, 'jobs_lost');
        if (outcome === 'skipped') return null;
        action = outcome;
      } else {
        await this.runQueue.requeue(run, { reason: 'reaper_lost_job' });
      }
      await this.lifecycle.noteLostJobReaped(run, action, actor);
      return action;
    } catch (err) {
      // It moved on (finished, was cancelled or requeued) between the scan and the write: nothing to reap.
      this.logger.debug(`reap of run ${run.id} skipped: ${(err as Error).message}`);
      return null;
    }
  }
}

/** The dry-run name of each reap action. */
const WOULD: Record<string, string> = { failed: 'would_fail', requeued: 'would_requeue', resumed: 'would_resume' };

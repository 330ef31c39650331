import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { QueueMaintenanceRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { Clock, DomainError, isUniqueViolation } from '@greenlight/platform';
import { JobPruner } from './job-pruner';
import { MaintenanceRunReaper } from './maintenance-run-reaper';
import type { MaintenancePolicy, MaintenanceRunResult } from './maintenance.types';
import { StaleRunReaper } from './stale-run-reaper';

export interface MaintenanceRunRequest {
  dry_run: boolean;
  trigger: 'api' | 'schedule';
  schedule?: { name: string; dedupe_key: string; window_started_at: Date };
}

/**
 * Runs one maintenance run (reap, then prune) under the ledger, at most one running per org.
 *
 * The running row holds a lease (`lease_expires_at`) that its process renews every third of
 * QUEUE_MAINTENANCE_LEASE_MS while it works. A running row whose lease has expired belongs to a
 * process that died mid-run: whoever next wants to run maintenance for that org fails it as orphaned
 * (the ledger and its events say so) and goes ahead, instead of being refused until someone reaps it.
 */
@Injectable()
export class MaintenanceRunner {
  private readonly logger = new Logger('QueueMaintenance');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reaper: StaleRunReaper,
    private readonly pruner: JobPruner,
    private readonly deadRuns: MaintenanceRunReaper,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  private get leaseMs(): number {
    return this.config.get('QUEUE_MAINTENANCE_LEASE_MS');
  }

  async execute(actor: Actor | null, org: string, policy: MaintenancePolicy, input: MaintenanceRunRequest): Promise<MaintenanceRunResult> {
    const runId = await this.claim(actor, org, policy, input);
    const heartbeat: NodeJS.Timeout = setInterval(
      () => {
        void this.renew(runId).then((held) => held || clearInterval(heartbeat));
      },
      Math.floor(this.leaseMs / 3),
    );
    heartbeat.unref();
    const started = performance.now();
    try {
      const reap = await this.reaper.reap(actor, org, {
        stale_run_seconds: policy.stale_run_seconds,
        max_runtime_seconds: policy.max_runtime_seconds,
        limit: policy.reap_limit,
        dry_run: input.dry_run,
      });
      const prune = await this.pruner.prune(org, { retention_days: policy.retention_days, limit: policy.prune_limit, dry_run: input.dry_run });
      clearInterval(heartbeat);
      await this.db.query(
        `UPDATE queue_maintenance_runs SET status = 'completed', reap_summary = $2, prune_summary = $3, completed_at = $5, duration_ms = $4 WHERE id = $1 AND status = 'running'`,
        [
          runId,
          JSON.stringify(reap),
          JSON.stringify({ ...prune, job_ids: prune.job_ids.slice(0, 20) }),
          Math.round(performance.now() - started),
          this.clock.date(),
        ],
      );
      const run = await this.db.getRepository(QueueMaintenanceRunEntity).findOneByOrFail({ id: runId });
      return { run, reap, prune };
    } catch (err) {
      clearInterval(heartbeat);
      await this.db
        .query(
          `UPDATE queue_maintenance_runs SET status = 'failed', error_message = $2, completed_at = $4, duration_ms = $3 WHERE id = $1 AND status = 'running'`,
          [runId, String((err as Error).message ?? err).slice(0, 2000), Math.round(performance.now() - started), this.clock.date()],
        )
        .catch(() => undefined);
      throw Object.assign(err as object, { maintenanceRunId: runId });
    }
  }

  /** Inserts the running ledger row with a fresh lease; an orphan in the way is cleared first. */
  private async claim(actor: Actor | null, org: string, policy: MaintenancePolicy, input: MaintenanceRunRequest): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        const now = this.clock.now();
        const [row] = await this.db.query(
          `INSERT INTO queue_maintenance_runs (org_id, status, dry_run, trigger, schedule_name, dedupe_key, window_started_at, policy, requested_by_key_id, started_at, lease_expires_at)
           VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
          [
            org,
            input.dry_run,
            input.trigger,
            input.schedule?.name ?? null,
            input.schedule?.dedupe_key ?? null,
            input.schedule?.window_started_at ?? null,
            JSON.stringify(policy),
            actor?.key_id ?? null,
            new Date(now),
            new Date(now + this.leaseMs),
          ],
        );
        return row.id;
      } catch (err) {
        if (!isUniqueViolation(err, 'queue_maintenance_runs_one_running_uq')) throw err;
        if (attempt === 0 && (await this.deadRuns.failOrphans(actor, org)).length > 0) continue;
        throw await this.alreadyRunning(org);
      }
    }
  }

  private async alreadyRunning(org: string): Promise<DomainError> {
    const [active] = await this.db.query(`SELECT id, started_at, lease_expires_at FROM queue_maintenance_runs WHERE org_id = $1 AND status = 'running'`, [org]);
    return new DomainError(ErrorCode.QUEUE_MAINTENANCE_ALREADY_RUNNING, 'a maintenance run is already running for this org', {
      org_id: org,
      running_run_id: active?.id ?? null,
      started_at: active?.started_at ?? null,
      lease_expires_at: active?.lease_expires_at ?? null,
    });
  }

  /**
   * Extends the lease of a run this process is executing. False once the ledger no longer has it
   * running (another process failed it as orphaned, say after Postgres was unreachable longer than the
   * lease): the run goes on, but its result is not recorded.
   */
  private async renew(runId: string): Promise<boolean> {
    try {
      const [, renewed]: [unknown, number] = await this.db.query(
        `UPDATE queue_maintenance_runs SET lease_expires_at = $2 WHERE id = $1 AND status = 'running'`,
        [runId, new Date(this.clock.now() + this.leaseMs)],
      );
      if (renewed > 0) return true;
      this.logger.warn(`maintenance run ${runId} is no longer running in the ledger (failed as orphaned?); its result will not be recorded`);
      return false;
    } catch (err) {
      // Postgres unreachable: the next renewal tries again; a lease that runs out meanwhile makes the run an orphan.
      this.logger.warn(`could not renew the lease of maintenance run ${runId}: ${(err as Error).message}`);
      return true;
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { QueueMaintenanceRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { AuditLogsService } from '@greenlight/platform';
import { DomainError } from '@greenlight/platform';
import { isUniqueViolation } from '@greenlight/platform';
import { MAINTENANCE_AUDIT_PATH, writeMaintenanceAudit } from './maintenance-audit';
import type { MaintenancePolicy, MaintenanceRunResult } from './maintenance.types';
import { QueueOpsService } from './queue-ops.service';

export interface MaintenanceRunRequest {
  dry_run: boolean;
  trigger: 'api' | 'schedule';
  schedule?: { name: string; dedupe_key: string; window_started_at: Date };
}

export interface OrphanedRun {
  id: string;
  org_id: string;
  started_at: Date;
  lease_expired_at: Date;
}

/**
 * Runs one maintenance run (reap, then prune) under the ledger, at most one running per org.
 *
 * The running row holds a lease (`lease_expires_at`) that its process renews every third of
 * QUEUE_MAINTENANCE_LEASE_MS while it works. A running row whose lease has expired belongs to a
 * process that died mid-run: whoever next wants to run maintenance for that org fails it as orphaned
 * (the ledger and the audit log say so) and goes ahead, instead of being refused until someone reaps it.
 */
@Injectable()
export class MaintenanceRunner {
  private readonly logger = new Logger('QueueMaintenance');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ops: QueueOpsService,
    private readonly audit: AuditLogsService,
    private readonly config: AppConfig,
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
      const reap = await this.ops.reapStale(actor, org, {
        stale_run_seconds: policy.stale_run_seconds,
        max_runtime_seconds: policy.max_runtime_seconds,
        limit: policy.reap_limit,
        dry_run: input.dry_run,
      });
      const prune = await this.ops.prune(org, { retention_days: policy.retention_days, limit: policy.prune_limit, dry_run: input.dry_run });
      clearInterval(heartbeat);
      await this.db.query(
        `UPDATE queue_maintenance_runs SET status = 'completed', reap_summary = $2, prune_summary = $3, completed_at = now(), duration_ms = $4 WHERE id = $1 AND status = 'running'`,
        [runId, JSON.stringify(reap), JSON.stringify({ ...prune, job_ids: prune.job_ids.slice(0, 20) }), Math.round(performance.now() - started)],
      );
      const run = await this.db.getRepository(QueueMaintenanceRunEntity).findOneByOrFail({ id: runId });
      return { run, reap, prune };
    } catch (err) {
      clearInterval(heartbeat);
      await this.db
        .query(
          `UPDATE queue_maintenance_runs SET status = 'failed', error_message = $2, completed_at = now(), duration_ms = $3 WHERE id = $1 AND status = 'running'`,
          [runId, String((err as Error).message ?? err).slice(0, 2000), Math.round(performance.now() - started)],
        )
        .catch(() => undefined);
      throw Object.assign(err as object, { maintenanceRunId: runId });
    }
  }

  /**
   * Fails the running maintenance runs (of `org`, or of every org) whose lease has expired, each
   * audited MAINTENANCE_RUN_ORPHANED; answers them.
   */
  async clearOrphans(actor: Actor | null, org: string | null): Promise<OrphanedRun[]> {
    const [rows]: [OrphanedRun[], number] = await this.db.query(
      `UPDATE queue_maintenance_runs
       SET status = 'failed', completed_at = now(), duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int,
           error_message = 'orphaned: its lease expired at ' || to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
             || ' without being renewed (the process running it stopped, probably killed mid-run); failed so that maintenance can run again'
       WHERE status = 'running' AND lease_expires_at < now() AND ($1::uuid IS NULL OR org_id = $1)
       RETURNING id, org_id, started_at, lease_expires_at AS lease_expired_at`,
      [org],
    );
    for (const r of rows) this.logger.warn(`maintenance run ${r.id} of org ${r.org_id} orphaned (lease expired ${r.lease_expired_at.toISOString()}): failed`);
    await writeMaintenanceAudit(
      this.audit,
      actor,
      rows.map((r) => ({ org_id: r.org_id, path: `${MAINTENANCE_AUDIT_PATH}/runs/${r.id}`, code: 'MAINTENANCE_RUN_ORPHANED' })),
    );
    return rows;
  }

  /** Inserts the running ledger row with a fresh lease; an orphan in the way is cleared first. */
  private async claim(actor: Actor | null, org: string, policy: MaintenancePolicy, input: MaintenanceRunRequest): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        const [row] = await this.db.query(
          `INSERT INTO queue_maintenance_runs (org_id, status, dry_run, trigger, schedule_name, dedupe_key, window_started_at, policy, requested_by_key_id, lease_expires_at)
           VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9::double precision / 1000)) RETURNING id`,
          [
            org,
            input.dry_run,
            input.trigger,
            input.schedule?.name ?? null,
            input.schedule?.dedupe_key ?? null,
            input.schedule?.window_started_at ?? null,
            JSON.stringify(policy),
            actor?.key_id ?? null,
            this.leaseMs,
          ],
        );
        return row.id;
      } catch (err) {
        if (!isUniqueViolation(err, 'queue_maintenance_runs_one_running_uq')) throw err;
        if (attempt === 0 && (await this.clearOrphans(actor, org)).length > 0) continue;
        const [active] = await this.db.query(`SELECT id, started_at, lease_expires_at FROM queue_maintenance_runs WHERE org_id = $1 AND status = 'running'`, [
          org,
        ]);
        throw new DomainError(ErrorCode.QUEUE_MAINTENANCE_ALREADY_RUNNING, 'a maintenance run is already running for this org', {
          org_id: org,
          running_run_id: active?.id ?? null,
          started_at: active?.started_at ?? null,
          lease_expires_at: active?.lease_expires_at ?? null,
        });
      }
    }
  }

  /**
   * Extends the lease of a run this process is executing. False once the ledger no longer has it
   * running (another process failed it as orphaned, say after Postgres was unreachable longer than the
   * lease): the run goes on, but its result is not recorded.
   */
  private async renew(runId: string): Promise<boolean> {
    try {
      const [, renewed]: [unknown, number] = await this.db.query(
        `UPDATE queue_maintenance_runs SET lease_expires_at = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1 AND status = 'running'`,
        [runId, this.leaseMs],
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

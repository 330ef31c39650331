import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '@greenlight/tenancy';
import { Clock, OrgScope } from '@greenlight/platform';
import { MaintenanceEvents } from './maintenance-events';
import type { ReapStaleRunsResult } from './maintenance.types';

export interface OrphanedRun {
  id: string;
  org_id: string;
  started_at: Date;
  lease_expired_at: Date;
}

/**
 * Fails maintenance runs whose process died, so the org can run maintenance again: orphans (their
 * lease ran out) and runs still `running` after a maximum runtime. Each is an event in the ledger.
 */
@Injectable()
export class MaintenanceRunReaper {
  private readonly logger = new Logger('QueueMaintenance');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: MaintenanceEvents,
    private readonly clock: Clock,
  ) {}

  /** Fails the running maintenance runs (of `org`, or of every org) whose lease has expired; answers them. */
  async failOrphans(actor: Actor | null, org: string | null): Promise<OrphanedRun[]> {
    const [rows]: [OrphanedRun[], number] = await this.db.query(
      `UPDATE queue_maintenance_runs
       SET status = 'failed', completed_at = $2, duration_ms = GREATEST(0, (extract(epoch FROM $2::timestamptz - started_at) * 1000)::int),
           error_message = 'orphaned: its lease expired at ' || to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
             || ' without being renewed (the process running it stopped, probably killed mid-run); failed so that maintenance can run again'
       WHERE status = 'running' AND lease_expires_at < $2 AND ($1::uuid IS NULL OR org_id = $1)
       RETURNING id, org_id, started_at, lease_expires_at AS lease_expired_at`,
      [org, this.clock.date()],
    );
    for (const r of rows) this.logger.warn(`maintenance run ${r.id} of org ${r.org_id} orphaned (lease expired ${r.lease_expired_at.toISOString()}): failed`);
    await this.events.record(
      actor,
      rows.map((r) => ({ org_id: r.org_id, run_id: r.id, action: 'run_orphaned', outcome: 'run_failed', details: { lease_expired_at: r.lease_expired_at } })),
    );
    return rows;
  }

  /** `POST /system/queue/maintenance/reap-stale-runs`: a global key without an org covers every org. */
  async reapStale(actor: Actor, requestedOrg: string | undefined, input: { max_runtime_seconds: number; dry_run: boolean }): Promise<ReapStaleRunsResult> {
    const scope = await OrgScope.resolve(this.db, actor, requestedOrg);
    return this.failStale(actor, scope.orgId, input);
  }

  /**
   * Maintenance runs left `running` for longer than `max_runtime_seconds` (their process died, or
   * hangs) become `failed`, each a `run_reaped` event.
   */
  async failStale(actor: Actor | null, org: string | null, input: { max_runtime_seconds: number; dry_run: boolean }): Promise<ReapStaleRunsResult> {
    const now = this.clock.date();
    const rows: { id: string; org_id: string; started_at: Date; age: string }[] = await this.db.query(
      `SELECT id, org_id, started_at, extract(epoch FROM $3::timestamptz - started_at) AS age FROM queue_maintenance_runs
       WHERE status = 'running' AND ($1::uuid IS NULL OR org_id = $1) AND started_at < $3::timestamptz - make_interval(secs => $2)
       ORDER BY started_at LIMIT 1000`,
      [org, input.max_runtime_seconds, now],
    );
    const items = rows.map((r) => ({ id: r.id, org_id: r.org_id, started_at: r.started_at, age_seconds: Math.round(Number(r.age)) }));
    const reaped = input.dry_run || items.length === 0 ? 0 : await this.fail(actor, items, input.max_runtime_seconds, now);
    return { org_id: org, dry_run: input.dry_run, max_runtime_seconds: input.max_runtime_seconds, selected: items.length, reaped, items };
  }

  private async fail(actor: Actor | null, items: ReapStaleRunsResult['items'], maxRuntimeSeconds: number, now: Date): Promise<number> {
    const [done]: [{ id: string; org_id: string; started_at: Date }[], number] = await this.db.query(
      `UPDATE queue_maintenance_runs
       SET status = 'failed', completed_at = $3, duration_ms = COALESCE(duration_ms, GREATEST(0, (extract(epoch FROM $3::timestamptz - started_at) * 1000)::int)),
           error_message = COALESCE(error_message, 'reaped: the maintenance run was still running after ' || $2 || ' s (its process probably died)')
       WHERE id = ANY($1) AND status = 'running' RETURNING id, org_id, started_at`,
      [items.map((i) => i.id), maxRuntimeSeconds, now],
    );
    await this.events.record(
      actor,
      done.map((d) => ({
        org_id: d.org_id,
        run_id: d.id,
        action: 'run_reaped',
        outcome: 'run_failed',
        details: { max_runtime_seconds: maxRuntimeSeconds, started_at: d.started_at },
      })),
    );
    return done.length;
  }
}

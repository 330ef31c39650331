import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { QueueMaintenanceRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { AuditLogsService } from '@greenlight/platform';
import { DomainError } from '@greenlight/platform';
import { MAINTENANCE_AUDIT_PATH, scheduleQuery, writeMaintenanceAudit } from './maintenance-audit';
import { MaintenanceRunner } from './maintenance-runner';
import { MaintenanceOverrides, MaintenanceRunView, MaintenanceService } from './maintenance.service';
import { PruneView, ReapView } from './queue-ops.service';

export interface ScheduleTriggerResult {
  executed: boolean;
  deduped: boolean;
  schedule_name: string;
  window_minutes: number;
  window_started_at: Date;
  dedupe_key: string;
  run: MaintenanceRunView;
  reap: ReapView | null;
  prune: PruneView | null;
}

export interface ScheduleTriggerInput {
  schedule_name: string;
  /** The window of an API trigger. */
  window_minutes?: number;
  /** The window of the worker's schedule: its interval. */
  window_ms?: number;
  /** Which window the trigger belongs to (default now). */
  at?: Date;
  dry_run: boolean;
  force: boolean;
  overrides: MaintenanceOverrides;
}

export interface SweepTally {
  orgs: number;
  executed: number;
  deduped: number;
  /** Orgs whose maintenance run was still running (with a live lease). */
  skipped: number;
  errors: number;
}

const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/**
 * Scheduled maintenance: the scheduler-safe trigger with window dedupe (seed step 106), which the API
 * and the worker's job scheduler both call, and the worker's sweep over every org that needs it.
 */
@Injectable()
export class MaintenanceSchedule {
  private readonly logger = new Logger('QueueMaintenance');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly maintenance: MaintenanceService,
    private readonly runner: MaintenanceRunner,
    private readonly audit: AuditLogsService,
  ) {}

  /**
   * A scheduler may call this as often as it likes; within one window a completed run of the same
   * schedule (and dry-run mode) is returned instead of running again (`deduped`), unless `force`. A
   * window lasts `window_minutes` (the API) or `window_ms` (the worker's schedule, whose window is its
   * interval); `at` says which window the trigger belongs to (default now; the worker gives the time
   * its job was scheduled for, so a job that starts late does not fall into the next window).
   */
  async trigger(actor: Actor | null, org: string, input: ScheduleTriggerInput): Promise<ScheduleTriggerResult> {
    if (!SCHEDULE_NAME.test(input.schedule_name))
      throw DomainError.validation('schedule_name is invalid', [{ field: 'schedule_name', messages: ['must match ' + SCHEDULE_NAME.source] }]);
    const windowMs = Math.max(1, input.window_ms ?? (input.window_minutes ?? 60) * 60_000);
    const windowStart = new Date(Math.floor((input.at ?? new Date()).getTime() / windowMs) * windowMs);
    // Whole-minute windows keep the key they always had; shorter ones are named in milliseconds.
    const span = windowMs % 60_000 === 0 ? `${windowMs / 60_000}m` : `${windowMs}ms`;
    const dedupeKey = `${input.schedule_name}:${span}:${windowStart.toISOString()}:${input.dry_run ? 'dry' : 'live'}`;
    const base = { schedule_name: input.schedule_name, window_minutes: windowMs / 60_000, window_started_at: windowStart, dedupe_key: dedupeKey };
    if (!input.force) {
      const existing = await this.db.getRepository(QueueMaintenanceRunEntity).findOne({
        where: { org_id: org, dedupe_key: dedupeKey, status: 'completed' },
        order: { started_at: 'DESC' },
      });
      if (existing) {
        await this.record(actor, org, base, 'deduped', existing.id);
        return { ...base, executed: false, deduped: true, run: existing, reap: null, prune: null };
      }
    }
    const schedule = { name: input.schedule_name, dedupe_key: dedupeKey, window_started_at: windowStart };
    const result = await this.maintenance
      .execute(actor, org, { dry_run: input.dry_run, overrides: input.overrides, trigger: 'schedule', schedule })
      .catch(async (err) => {
        // A failed execution still counts as a trigger that executed (it shows in the schedule summary).
        const failed = (err as { maintenanceRunId?: string }).maintenanceRunId;
        if (failed) await this.record(actor, org, base, 'executed', failed);
        throw err;
      });
    await this.record(actor, org, base, 'executed', result.run.id);
    return { ...base, executed: true, deduped: false, ...result };
  }

  /**
   * The worker's scheduled maintenance, once per window of `windowMs` (its interval). First, platform-
   * wide, maintenance runs whose process died are failed: orphans (lease expired) and runs older than
   * 15 minutes or two windows. Then every org with queue work (a queued or running run) or a saved
   * policy with the schedule enabled gets a trigger in the window of `at`; orgs whose policy disables
   * the schedule are left alone. A trigger that does not run says why in the log.
   */
  async sweep(scheduleName: string, windowMs: number, at: Date = new Date()): Promise<SweepTally> {
    await this.runner.clearOrphans(null, null);
    await this.maintenance.reapStaleRuns(null, null, { max_runtime_seconds: Math.max(900, Math.ceil((windowMs * 2) / 1000)), dry_run: false });
    const orgs: { org_id: string }[] = await this.db.query(
      `SELECT org_id FROM (
         SELECT DISTINCT org_id FROM eval_runs WHERE status IN ('pending', 'running')
         UNION SELECT org_id FROM queue_maintenance_policies WHERE schedule_enabled
       ) o
       WHERE NOT EXISTS (SELECT 1 FROM queue_maintenance_policies p WHERE p.org_id = o.org_id AND NOT p.schedule_enabled)
       LIMIT 1000`,
    );
    const tally: SweepTally = { orgs: orgs.length, executed: 0, deduped: 0, skipped: 0, errors: 0 };
    for (const { org_id } of orgs) {
      try {
        const r = await this.trigger(null, org_id, { schedule_name: scheduleName, window_ms: windowMs, at, dry_run: false, force: false, overrides: {} });
        if (!r.deduped) tally.executed++;
        else {
          tally.deduped++;
          this.logger.log(
            `scheduled maintenance of org ${org_id} skipped: the window from ${r.window_started_at.toISOString()} already has completed run ${r.run.id}`,
          );
        }
      } catch (err) {
        if (err instanceof DomainError && err.code === ErrorCode.QUEUE_MAINTENANCE_ALREADY_RUNNING) {
          tally.skipped++;
          const d = (err.details ?? {}) as { running_run_id?: string; started_at?: Date; lease_expires_at?: Date };
          this.logger.log(
            `scheduled maintenance of org ${org_id} skipped: maintenance run ${d.running_run_id ?? '?'} is still running ` +
              `(started ${isoOrUnknown(d.started_at)}; its process holds the lease until ${isoOrUnknown(d.lease_expires_at)})`,
          );
        } else {
          tally.errors++;
          this.logger.warn(`scheduled maintenance of org ${org_id} failed: ${(err as Error).message}`);
        }
      }
    }
    return tally;
  }

  private async record(
    actor: Actor | null,
    org: string,
    t: { schedule_name: string; window_started_at: Date; dedupe_key: string },
    outcome: 'executed' | 'deduped',
    runId: string,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO queue_maintenance_triggers (org_id, schedule_name, window_started_at, dedupe_key, outcome, run_id, requested_by_key_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [org, t.schedule_name, t.window_started_at, t.dedupe_key, outcome, runId, actor?.key_id ?? null],
    );
    await writeMaintenanceAudit(this.audit, actor, [
      {
        org_id: org,
        path: `${MAINTENANCE_AUDIT_PATH}/schedule-trigger${scheduleQuery(t.schedule_name)}`,
        code: outcome === 'executed' ? 'SCHEDULE_TRIGGER_EXECUTED' : 'SCHEDULE_TRIGGER_DEDUPED',
      },
    ]);
  }
}

function isoOrUnknown(d: Date | undefined): string {
  return d instanceof Date ? d.toISOString() : 'unknown';
}

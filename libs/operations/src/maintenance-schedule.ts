import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { QueueMaintenanceRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { Clock, DomainError, OrgScope } from '@greenlight/platform';
import { MaintenanceEvents } from './maintenance-events';
import { MaintenanceRunReaper } from './maintenance-run-reaper';
import { MaintenanceRuns } from './maintenance-runs';
import type { MaintenanceOverrides, MaintenanceRunView } from './maintenance.types';
import type { PruneView, ReapView } from './queue-ops.types';

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

/** The window a trigger falls in, and the key that dedupes runs of one schedule, window and mode. */
export interface ScheduleWindow {
  schedule_name: string;
  window_minutes: number;
  window_started_at: Date;
  dedupe_key: string;
}

const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** Maintenance runs older than this (or two windows) are failed by each sweep, even with a live lease. */
const SWEEP_MAX_RUNTIME_SECONDS = 900;

/**
 * Scheduled maintenance: the scheduler-safe trigger with window dedupe, which the API and the
 * worker's job scheduler both call, and the worker's sweep over every org that needs it.
 */
@Injectable()
export class MaintenanceSchedule {
  private readonly logger = new Logger('QueueMaintenance');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runs: MaintenanceRuns,
    private readonly deadRuns: MaintenanceRunReaper,
    private readonly events: MaintenanceEvents,
    private readonly clock: Clock,
  ) {}

  /** `POST /system/queue/maintenance/schedule-trigger`: for one org (global keys name it). */
  async triggerFor(actor: Actor, requestedOrg: string | undefined, input: ScheduleTriggerInput): Promise<ScheduleTriggerResult> {
    const org = (await OrgScope.resolve(this.db, actor, requestedOrg, { required: true })).requireOrg();
    return this.trigger(actor, org, input);
  }

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
    const windowMs = input.window_ms ?? (input.window_minutes ?? 60) * 60_000;
    const w = scheduleWindow(input.schedule_name, windowMs, input.at ?? this.clock.date(), input.dry_run);
    if (!input.force) {
      const existing = await this.db.getRepository(QueueMaintenanceRunEntity).findOne({
        where: { org_id: org, dedupe_key: w.dedupe_key, status: 'completed' },
        order: { started_at: 'DESC' },
      });
      if (existing) {
        await this.record(actor, org, w, 'deduped', existing.id);
        return { ...w, executed: false, deduped: true, run: existing, reap: null, prune: null };
      }
    }
    const schedule = { name: w.schedule_name, dedupe_key: w.dedupe_key, window_started_at: w.window_started_at };
    const result = await this.runs
      .execute(actor, org, { dry_run: input.dry_run, overrides: input.overrides, trigger: 'schedule', schedule })
      .catch(async (err) => {
        // A failed execution still counts as a trigger that executed (it shows in the schedule summary).
        const failed = (err as { maintenanceRunId?: string }).maintenanceRunId;
        if (failed) await this.record(actor, org, w, 'executed', failed);
        throw err;
      });
    await this.record(actor, org, w, 'executed', result.run.id);
    return { ...w, executed: true, deduped: false, ...result };
  }

  /**
   * The worker's scheduled maintenance, once per window of `windowMs` (its interval). First, platform-
   * wide, maintenance runs whose process died are failed: orphans (lease expired) and runs older than
   * 15 minutes or two windows. Then every org with queue work (a queued or running run) or a saved
   * policy with the schedule enabled gets a trigger in the window of `at`; orgs whose policy disables
   * the schedule are left alone. A trigger that does not run says why in the log.
   */
  async sweep(scheduleName: string, windowMs: number, at: Date = this.clock.date()): Promise<SweepTally> {
    await this.deadRuns.failOrphans(null, null);
    await this.deadRuns.failStale(null, null, { max_runtime_seconds: Math.max(SWEEP_MAX_RUNTIME_SECONDS, Math.ceil((windowMs * 2) / 1000)), dry_run: false });
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
      const outcome = await this.sweepOrg(org_id, scheduleName, windowMs, at);
      tally[outcome]++;
    }
    return tally;
  }

  /** One org's scheduled trigger; answers which tally it counts in. */
  private async sweepOrg(org: string, scheduleName: string, windowMs: number, at: Date): Promise<'executed' | 'deduped' | 'skipped' | 'errors'> {
    try {
      const r = await this.trigger(null, org, { schedule_name: scheduleName, window_ms: windowMs, at, dry_run: false, force: false, overrides: {} });
      if (!r.deduped) return 'executed';
      this.logger.log(
        `scheduled maintenance of org ${org} skipped: the window from ${r.window_started_at.toISOString()} already has completed run ${r.run.id}`,
      );
      return 'deduped';
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.QUEUE_MAINTENANCE_ALREADY_RUNNING) {
        const d = (err.details ?? {}) as { running_run_id?: string; started_at?: Date; lease_expires_at?: Date };
        this.logger.log(
          `scheduled maintenance of org ${org} skipped: maintenance run ${d.running_run_id ?? '?'} is still running ` +
            `(started ${isoOrUnknown(d.started_at)}; its process holds the lease until ${isoOrUnknown(d.lease_expires_at)})`,
        );
        return 'skipped';
      }
      this.logger.warn(`scheduled maintenance of org ${org} failed: ${(err as Error).message}`);
      return 'errors';
    }
  }

  /** The trigger ledger row (the schedule summary counts them) and its event. */
  private async record(actor: Actor | null, org: string, w: ScheduleWindow, outcome: 'executed' | 'deduped', runId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO queue_maintenance_triggers (org_id, schedule_name, window_started_at, dedupe_key, outcome, run_id, requested_by_key_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [org, w.schedule_name, w.window_started_at, w.dedupe_key, outcome, runId, actor?.key_id ?? null, this.clock.date()],
    );
    await this.events.record(actor, [
      {
        org_id: org,
        run_id: runId,
        action: 'schedule_triggered',
        outcome,
        schedule_name: w.schedule_name,
        details: { dedupe_key: w.dedupe_key, window_started_at: w.window_started_at, window_minutes: w.window_minutes },
      },
    ]);
  }
}

/**
 * The window of `windowMs` that `at` falls in (windows start at multiples of their length since the
 * epoch) and its dedupe key. Whole-minute windows keep the key they always had; shorter ones are
 * named in milliseconds.
 */
export function scheduleWindow(scheduleName: string, windowMs: number, at: Date, dryRun: boolean): ScheduleWindow {
  const ms = Math.max(1, windowMs);
  const start = new Date(Math.floor(at.getTime() / ms) * ms);
  const span = ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms}ms`;
  return {
    schedule_name: scheduleName,
    window_minutes: ms / 60_000,
    window_started_at: start,
    dedupe_key: `${scheduleName}:${span}:${start.toISOString()}:${dryRun ? 'dry' : 'live'}`,
  };
}

function isoOrUnknown(d: Date | undefined): string {
  return d instanceof Date ? d.toISOString() : 'unknown';
}

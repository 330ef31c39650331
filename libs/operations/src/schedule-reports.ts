import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '@greenlight/tenancy';
import { Clock, OrgScope } from '@greenlight/platform';
import type { AlertDeliveryView, ScheduleReportQuery, ScheduleSummaryView } from './maintenance.types';

/** How an org's maintenance schedules went: their triggers (executed vs deduped) and what became of their anomaly alerts. */
@Injectable()
export class ScheduleReports {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** `GET /system/queue/maintenance/schedule-summary` (one org: global keys name it). */
  async summary(actor: Actor, q: ScheduleReportQuery): Promise<ScheduleSummaryView> {
    return this.summaryOf(await this.orgOf(actor, q.org_id), q.schedule_name, q.window_days);
  }

  /** `GET /system/queue/maintenance/schedule-alert-delivery` (one org: global keys name it). */
  async alertDelivery(actor: Actor, q: ScheduleReportQuery): Promise<AlertDeliveryView> {
    return this.alertDeliveryOf(await this.orgOf(actor, q.org_id), q.schedule_name, q.window_days);
  }

  /** A schedule's triggers (all schedules for `null`) in the last `windowDays`, and how their executions ended. */
  async summaryOf(org: string, scheduleName: string | null, windowDays: number): Promise<ScheduleSummaryView> {
    const [r] = await this.db.query(
      `SELECT count(*) AS triggers,
              count(*) FILTER (WHERE t.outcome = 'executed') AS executed,
              count(*) FILTER (WHERE t.outcome = 'deduped') AS deduped,
              count(*) FILTER (WHERE t.outcome = 'executed' AND r.status = 'completed') AS ok,
              count(*) FILTER (WHERE t.outcome = 'executed' AND r.status = 'failed') AS failed,
              max(t.created_at) AS last_trigger,
              max(t.created_at) FILTER (WHERE t.outcome = 'executed') AS last_executed,
              (array_agg(r.status ORDER BY t.created_at DESC) FILTER (WHERE t.outcome = 'executed'))[1] AS last_status
       FROM queue_maintenance_triggers t LEFT JOIN queue_maintenance_runs r ON r.id = t.run_id
       WHERE t.org_id = $1 AND ($2::text IS NULL OR t.schedule_name = $2) AND t.created_at >= $4::timestamptz - make_interval(days => $3)`,
      [org, scheduleName, windowDays, this.clock.date()],
    );
    const triggers = Number(r.triggers);
    const ok = Number(r.ok);
    const failed = Number(r.failed);
    return {
      org_id: org,
      schedule_name: scheduleName,
      window_days: windowDays,
      trigger_count: triggers,
      executed_count: Number(r.executed),
      deduped_count: Number(r.deduped),
      dedupe_hit_rate: triggers === 0 ? 0 : Number(r.deduped) / triggers,
      successful_executions: ok,
      failed_executions: failed,
      // Of the executions that finished; 1.0 when none has (nothing failed).
      execution_success_rate: ok + failed === 0 ? 1 : ok / (ok + failed),
      last_trigger_at: r.last_trigger ?? null,
      last_executed_at: r.last_executed ?? null,
      last_execution_status: r.last_status ?? null,
    };
  }

  /** What became of a schedule's anomaly alerts in the last `windowDays`. */
  async alertDeliveryOf(org: string, scheduleName: string | null, windowDays: number): Promise<AlertDeliveryView> {
    const [r] = await this.db.query(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE outcome = 'sent') AS sent,
              count(*) FILTER (WHERE outcome = 'failed') AS failed,
              count(*) FILTER (WHERE outcome = 'suppressed') AS suppressed,
              count(*) FILTER (WHERE outcome = 'skipped') AS skipped,
              count(*) FILTER (WHERE outcome = 'dry_run') AS dry_run,
              max(created_at) FILTER (WHERE outcome = 'sent') AS last_sent,
              max(created_at) FILTER (WHERE outcome = 'failed') AS last_failed,
              max(created_at) FILTER (WHERE outcome = 'suppressed') AS last_suppressed,
              max(created_at) FILTER (WHERE outcome IN ('sent', 'failed')) AS last_notified
       FROM queue_maintenance_alerts
       WHERE org_id = $1 AND ($2::text IS NULL OR schedule_name = $2) AND created_at >= $4::timestamptz - make_interval(days => $3)`,
      [org, scheduleName, windowDays, this.clock.date()],
    );
    return {
      org_id: org,
      schedule_name: scheduleName,
      window_days: windowDays,
      total: Number(r.total),
      sent: Number(r.sent),
      failed: Number(r.failed),
      suppressed: Number(r.suppressed),
      skipped: Number(r.skipped),
      dry_run: Number(r.dry_run),
      last_sent_at: r.last_sent ?? null,
      last_failed_at: r.last_failed ?? null,
      last_suppressed_at: r.last_suppressed ?? null,
      last_notified_at: r.last_notified ?? null,
    };
  }

  private async orgOf(actor: Actor, requestedOrg: string | undefined): Promise<string> {
    return (await OrgScope.resolve(this.db, actor, requestedOrg, { required: true })).requireOrg();
  }
}

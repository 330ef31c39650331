import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '@greenlight/tenancy';
import { Clock, OrgScope } from '@greenlight/platform';
import { MAINTENANCE_ALERT_NOTIFIER, MaintenanceAlertNotifier } from './maintenance-alerts';
import { MaintenanceEvents } from './maintenance-events';
import { MaintenancePolicies } from './maintenance-policies';
import type { MaintenancePolicy, NotifyOutcome, NotifyResult, ScheduleAnomaly, ScheduleSummaryView } from './maintenance.types';
import { ScheduleReports } from './schedule-reports';

export interface NotifyInput {
  org_id?: string;
  schedule_name: string | null;
  window_days: number;
  dry_run: boolean;
  force_notify: boolean;
}

type Verdict = { outcome: NotifyOutcome; reason: string | null; channel?: string | null };

/**
 * Schedule anomaly alerts: the schedule summary is compared with the org's alert thresholds; an
 * anomaly goes out through the alert notifier unless the same anomaly (fingerprint) went out within
 * the cooldown. Every outcome is recorded for the delivery status and as an `anomaly_notified` event.
 */
@Injectable()
export class ScheduleAlerts {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly policies: MaintenancePolicies,
    private readonly reports: ScheduleReports,
    private readonly events: MaintenanceEvents,
    private readonly clock: Clock,
    @Inject(MAINTENANCE_ALERT_NOTIFIER) private readonly notifier: MaintenanceAlertNotifier,
  ) {}

  async notify(actor: Actor, input: NotifyInput): Promise<NotifyResult> {
    const org = (await OrgScope.resolve(this.db, actor, input.org_id, { required: true })).requireOrg();
    const policy = await this.policies.policyFor(org);
    const summary = await this.reports.summaryOf(org, input.schedule_name, input.window_days);
    const anomalies = detectAnomalies(summary, policy);
    const fingerprint = anomalyFingerprint(org, input.schedule_name, anomalies);
    const verdict = await this.decide(org, input, policy, { anomalies, fingerprint, summary });
    const result: NotifyResult = {
      org_id: org,
      schedule_name: input.schedule_name,
      outcome: verdict.outcome,
      reason: verdict.reason,
      anomalies,
      fingerprint,
      cooldown_minutes: policy.schedule_alert_cooldown_minutes,
      channel: verdict.channel ?? null,
      summary,
    };
    await this.record(actor, result);
    return result;
  }

  /** Skipped, dry run, suppressed by the cooldown, or sent (failed when the notifier could not deliver it). */
  private async decide(
    org: string,
    input: NotifyInput,
    policy: MaintenancePolicy,
    alert: { anomalies: ScheduleAnomaly[]; fingerprint: string; summary: ScheduleSummaryView },
  ): Promise<Verdict> {
    if (!input.force_notify && alert.anomalies.length === 0) return { outcome: 'skipped', reason: 'no anomaly' };
    if (!input.force_notify && !policy.schedule_alert_enabled) return { outcome: 'skipped', reason: 'schedule alerts are disabled in the policy' };
    if (input.dry_run) return { outcome: 'dry_run', reason: null };
    const stateKey = input.schedule_name ?? '*';
    const marked = await this.markCooldown(org, stateKey, alert.fingerprint, policy.schedule_alert_cooldown_minutes, input.force_notify);
    if (!marked) return { outcome: 'suppressed', reason: `the same anomaly was alerted within the last ${policy.schedule_alert_cooldown_minutes} min` };
    const sent = await this.notifier
      .send({ org_id: org, schedule_name: input.schedule_name, forced: input.force_notify, ...alert })
      .catch((err: Error) => ({ delivered: false, channel: null, error: err.message }));
    if (sent.delivered) return { outcome: 'sent', reason: null, channel: sent.channel };
    // A failed delivery must not silence the next attempt.
    await this.db.query(`DELETE FROM queue_maintenance_alert_state WHERE org_id = $1 AND schedule_name = $2 AND last_alerted_at = $3`, [org, stateKey, marked]);
    return { outcome: 'failed', reason: sent.error ?? 'the notifier did not deliver the alert', channel: sent.channel };
  }

  /**
   * Takes the cooldown for (org, schedule) when the last alert of the same fingerprint is older than the
   * cooldown (or differs, or `force`): one atomic upsert, so two notifies at once send once. Returns the
   * marked time, or null when suppressed.
   */
  private async markCooldown(org: string, schedule: string, fingerprint: string, cooldownMinutes: number, force: boolean): Promise<Date | null> {
    // An INSERT … ON CONFLICT DO UPDATE answers its RETURNING rows (no affected count, unlike UPDATE).
    const rows: { last_alerted_at: Date }[] = await this.db.query(
      `INSERT INTO queue_maintenance_alert_state AS s (org_id, schedule_name, fingerprint, last_alerted_at) VALUES ($1, $2, $3, $6)
       ON CONFLICT (org_id, schedule_name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, last_alerted_at = EXCLUDED.last_alerted_at
       WHERE $5 OR s.fingerprint <> EXCLUDED.fingerprint OR s.last_alerted_at <= $6::timestamptz - make_interval(mins => $4)
       RETURNING last_alerted_at`,
      [org, schedule, fingerprint, cooldownMinutes, force, this.clock.date()],
    );
    return rows[0]?.last_alerted_at ?? null;
  }

  /** The delivery status row and the ledger event of one notify. */
  private async record(actor: Actor, r: NotifyResult): Promise<void> {
    await this.db.query(
      `INSERT INTO queue_maintenance_alerts (org_id, schedule_name, outcome, fingerprint, anomalies, error_message, requested_by_key_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        r.org_id,
        r.schedule_name,
        r.outcome,
        r.fingerprint,
        JSON.stringify(r.anomalies),
        r.outcome === 'failed' ? r.reason : null,
        actor.key_id,
        this.clock.date(),
      ],
    );
    await this.events.record(actor, [
      {
        org_id: r.org_id,
        action: 'anomaly_notified',
        outcome: r.outcome,
        schedule_name: r.schedule_name,
        details: { fingerprint: r.fingerprint, anomalies: r.anomalies, reason: r.reason, channel: r.channel },
      },
    ]);
  }
}

/** The anomalies of a schedule summary against the policy's thresholds (a rate over no data is no anomaly). */
export function detectAnomalies(summary: ScheduleSummaryView, policy: MaintenancePolicy): ScheduleAnomaly[] {
  const anomalies: ScheduleAnomaly[] = [];
  if (summary.trigger_count > 0 && summary.dedupe_hit_rate > policy.schedule_alert_dedupe_hit_rate_threshold) {
    anomalies.push({ kind: 'dedupe_hit_rate_high', value: summary.dedupe_hit_rate, threshold: policy.schedule_alert_dedupe_hit_rate_threshold });
  }
  const finished = summary.successful_executions + summary.failed_executions;
  if (finished > 0 && summary.execution_success_rate < policy.schedule_alert_min_execution_success_rate) {
    anomalies.push({ kind: 'execution_success_rate_low', value: summary.execution_success_rate, threshold: policy.schedule_alert_min_execution_success_rate });
  }
  return anomalies;
}

/** Names which anomalies there are, not their exact values: a rate that drifts does not re-alert. */
export function anomalyFingerprint(org: string, scheduleName: string | null, anomalies: ScheduleAnomaly[]): string {
  return createHash('sha256')
    .update(JSON.stringify([org, scheduleName ?? '*', anomalies.map((a) => a.kind).sort()]))
    .digest('hex')
    .slice(0, 32);
}

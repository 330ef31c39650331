import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { MaintenanceRunStatus, Page, PageRequest, QueueMaintenancePolicyEntity, QueueMaintenanceRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { AuditLogsService } from '@greenlight/platform';
import { DomainError } from '@greenlight/platform';
import { MAINTENANCE_ALERT_NOTIFIER, MaintenanceAlertNotifier } from './maintenance-alerts';
import { MAINTENANCE_AUDIT_PATH, scheduleQuery, writeMaintenanceAudit } from './maintenance-audit';
import { MaintenanceRunner, MaintenanceRunRequest } from './maintenance-runner';
import { resolveOrgScope } from '@greenlight/platform';
import { PruneView, QueueOpsService, ReapView } from './queue-ops.service';

import type { MaintenancePolicy, MaintenanceRunResult, MaintenanceRunView } from './maintenance.types';
export type { MaintenancePolicy, MaintenanceRunResult, MaintenanceRunView } from './maintenance.types';

export interface MaintenancePolicyView extends MaintenancePolicy {
  org_id: string;
  /** `org`: the org's saved policy; `default`: the platform defaults (nothing saved yet). */
  source: 'org' | 'default';
  updated_at: Date | null;
}

/** Per-call overrides of the reap and prune parameters. */
export type MaintenanceOverrides = Partial<
  Pick<MaintenancePolicy, 'stale_run_seconds' | 'max_runtime_seconds' | 'retention_days' | 'reap_limit' | 'prune_limit'>
>;

export interface MaintenanceMetricsView {
  org_id: string | null;
  window_days: number;
  total: number;
  running: number;
  completed: number;
  failed: number;
  dry_run_count: number;
  failure_rate: number;
  avg_duration_ms: number | null;
  p50_duration_ms: number | null;
  p95_duration_ms: number | null;
  last_run_started_at: Date | null;
  last_run_status: string | null;
}

export interface ScheduleSummaryView {
  org_id: string;
  schedule_name: string | null;
  window_days: number;
  trigger_count: number;
  executed_count: number;
  deduped_count: number;
  dedupe_hit_rate: number;
  successful_executions: number;
  failed_executions: number;
  execution_success_rate: number;
  last_trigger_at: Date | null;
  last_executed_at: Date | null;
  last_execution_status: string | null;
}

export interface ScheduleAnomaly {
  kind: 'dedupe_hit_rate_high' | 'execution_success_rate_low';
  value: number;
  threshold: number;
}

export type NotifyOutcome = 'sent' | 'failed' | 'suppressed' | 'skipped' | 'dry_run';

export interface NotifyResult {
  org_id: string;
  schedule_name: string | null;
  outcome: NotifyOutcome;
  /** Why nothing was sent (skipped, suppressed) or what went wrong (failed). */
  reason: string | null;
  anomalies: ScheduleAnomaly[];
  fingerprint: string;
  cooldown_minutes: number;
  channel: string | null;
  summary: ScheduleSummaryView;
}

export interface AlertDeliveryView {
  org_id: string;
  schedule_name: string | null;
  window_days: number;
  total: number;
  sent: number;
  failed: number;
  suppressed: number;
  skipped: number;
  dry_run: number;
  last_sent_at: Date | null;
  last_failed_at: Date | null;
  last_suppressed_at: Date | null;
  /** Last delivery attempt, sent or failed. */
  last_notified_at: Date | null;
}

export interface ReapStaleRunsResult {
  org_id: string | null;
  dry_run: boolean;
  max_runtime_seconds: number;
  selected: number;
  reaped: number;
  items: { id: string; org_id: string; started_at: Date; age_seconds: number }[];
}

const AUDIT_PATH = MAINTENANCE_AUDIT_PATH;

/**
 * Queue maintenance (seed steps 100–110): policy per org with platform defaults, maintenance runs
 * (reap + prune, executed by MaintenanceRunner under the ledger with a lease, one running per org),
 * metrics, stale-run reaping, the schedule summary and anomaly alerts with cooldown. Schedule triggers
 * and the worker's scheduled sweep are MaintenanceSchedule's.
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger('QueueMaintenance');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ops: QueueOpsService,
    private readonly audit: AuditLogsService,
    private readonly config: AppConfig,
    @Inject(MAINTENANCE_ALERT_NOTIFIER) private readonly notifier: MaintenanceAlertNotifier,
    private readonly runner: MaintenanceRunner,
  ) {}

  defaults(): MaintenancePolicy {
    return {
      stale_run_seconds: this.config.get('QUEUE_STALE_RUN_SECONDS'),
      max_runtime_seconds: this.config.get('EVAL_RUN_MAX_RUNTIME_SECONDS'),
      retention_days: this.config.get('QUEUE_RETENTION_DAYS'),
      reap_limit: 100,
      prune_limit: 1000,
      schedule_enabled: true,
      schedule_alert_enabled: false,
      schedule_alert_dedupe_hit_rate_threshold: 0.5,
      schedule_alert_min_execution_success_rate: 0.9,
      schedule_alert_cooldown_minutes: 60,
    };
  }

  async getPolicy(actor: Actor, requestedOrg?: string): Promise<MaintenancePolicyView> {
    const org = (await resolveOrgScope(this.db, actor, requestedOrg, true))!;
    return this.policyFor(org);
  }

  async upsertPolicy(actor: Actor, requestedOrg: string | undefined, input: Partial<MaintenancePolicy>): Promise<MaintenancePolicyView> {
    const org = (await resolveOrgScope(this.db, actor, requestedOrg, true))!;
    const merged: MaintenancePolicy = { ...stripPolicy(await this.policyFor(org)), ...definedOnly(input) };
    const cols = Object.keys(merged) as (keyof MaintenancePolicy)[];
    await this.db.query(
      `INSERT INTO queue_maintenance_policies (org_id, ${cols.join(', ')}, updated_by_key_id)
       VALUES ($1, ${cols.map((_, i) => `$${i + 2}`).join(', ')}, $${cols.length + 2})
       ON CONFLICT (org_id) DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(', ')},
         updated_by_key_id = EXCLUDED.updated_by_key_id, updated_at = now()`,
      [org, ...cols.map((c) => merged[c]), actor.key_id],
    );
    return this.policyFor(org);
  }

  /** `POST /system/queue/jobs/reap-stale`: parameters left out come from the org's policy (platform defaults without an org). */
  async reapJobs(
    actor: Actor,
    input: { org_id?: string; stale_run_seconds?: number; max_runtime_seconds?: number; limit?: number; dry_run?: boolean },
  ): Promise<ReapView> {
    const org = await resolveOrgScope(this.db, actor, input.org_id, false);
    const p = org ? await this.policyFor(org) : this.defaults();
    return this.ops.reapStale(actor, org, {
      stale_run_seconds: input.stale_run_seconds ?? p.stale_run_seconds,
      max_runtime_seconds: input.max_runtime_seconds ?? p.max_runtime_seconds,
      limit: input.limit ?? p.reap_limit,
      dry_run: input.dry_run ?? false,
    });
  }

  /** `POST /system/queue/jobs/prune`: parameters left out come from the org's policy (platform defaults without an org). */
  async pruneJobs(actor: Actor, input: { org_id?: string; retention_days?: number; limit?: number; dry_run?: boolean }): Promise<PruneView> {
    const org = await resolveOrgScope(this.db, actor, input.org_id, false);
    const p = org ? await this.policyFor(org) : this.defaults();
    return this.ops.prune(org, {
      retention_days: input.retention_days ?? p.retention_days,
      limit: input.limit ?? p.prune_limit,
      dry_run: input.dry_run ?? false,
    });
  }

  /** `POST /system/queue/maintenance/run` (seed steps 101–103): reap then prune, recorded in the ledger. */
  async run(actor: Actor | null, org: string, input: { dry_run: boolean; overrides: MaintenanceOverrides }): Promise<MaintenanceRunResult> {
    return this.execute(actor, org, { ...input, trigger: 'api' });
  }

  async listRuns(
    actor: Actor,
    filter: { org_id?: string; status?: MaintenanceRunStatus; trigger?: string },
    page: PageRequest,
  ): Promise<Page<MaintenanceRunView>> {
    const org = await resolveOrgScope(this.db, actor, filter.org_id, false);
    const qb = this.db.getRepository(QueueMaintenanceRunEntity).createQueryBuilder('r');
    if (org) qb.andWhere('r.org_id = :org', { org });
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.trigger) qb.andWhere('r.trigger = :trigger', { trigger: filter.trigger });
    qb.orderBy('r.started_at', 'DESC').addOrderBy('r.id', 'DESC').take(page.limit).skip(page.offset);
    const [items, total] = await qb.getManyAndCount();
    return { items, limit: page.limit, offset: page.offset, total };
  }

  async getRun(actor: Actor, id: string): Promise<MaintenanceRunView> {
    const run = await this.db.getRepository(QueueMaintenanceRunEntity).findOneBy(actor.org_id ? { id, org_id: actor.org_id } : { id });
    if (!run) throw DomainError.notFound('maintenance run', id);
    return run;
  }

  /** Seed step 104: counts, failure rate and duration percentiles of maintenance runs in a window. */
  async metrics(actor: Actor, requestedOrg: string | undefined, windowDays: number): Promise<MaintenanceMetricsView> {
    const org = await resolveOrgScope(this.db, actor, requestedOrg, false);
    const [r] = await this.db.query(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE status = 'running') AS running,
              count(*) FILTER (WHERE status = 'completed') AS completed,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              count(*) FILTER (WHERE dry_run) AS dry_run_count,
              avg(duration_ms) FILTER (WHERE status = 'completed') AS avg_ms,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status = 'completed') AS p50_ms,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status = 'completed') AS p95_ms,
              max(started_at) AS last_started,
              (array_agg(status ORDER BY started_at DESC))[1] AS last_status
       FROM queue_maintenance_runs
       WHERE ($1::uuid IS NULL OR org_id = $1) AND started_at >= now() - make_interval(days => $2)`,
      [org, windowDays],
    );
    const finished = Number(r.completed) + Number(r.failed);
    const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
    return {
      org_id: org,
      window_days: windowDays,
      total: Number(r.total),
      running: Number(r.running),
      completed: Number(r.completed),
      failed: Number(r.failed),
      dry_run_count: Number(r.dry_run_count),
      failure_rate: finished === 0 ? 0 : Number(r.failed) / finished,
      avg_duration_ms: num(r.avg_ms),
      p50_duration_ms: num(r.p50_ms),
      p95_duration_ms: num(r.p95_ms),
      last_run_started_at: r.last_started ?? null,
      last_run_status: r.last_status ?? null,
    };
  }

  /**
   * Seed step 105: maintenance runs left `running` (their process died) for longer than the threshold
   * become `failed`, each with an audit entry MAINTENANCE_RUN_REAPED, so the org can run maintenance again.
   */
  async reapStaleRuns(actor: Actor | null, org: string | null, input: { max_runtime_seconds: number; dry_run: boolean }): Promise<ReapStaleRunsResult> {
    const rows: { id: string; org_id: string; started_at: Date; age: string }[] = await this.db.query(
      `SELECT id, org_id, started_at, extract(epoch FROM now() - started_at) AS age FROM queue_maintenance_runs
       WHERE status = 'running' AND ($1::uuid IS NULL OR org_id = $1) AND started_at < now() - make_interval(secs => $2)
       ORDER BY started_at LIMIT 1000`,
      [org, input.max_runtime_seconds],
    );
    const items = rows.map((r) => ({ id: r.id, org_id: r.org_id, started_at: r.started_at, age_seconds: Math.round(Number(r.age)) }));
    let reaped = 0;
    if (!input.dry_run && items.length) {
      const [done]: [{ id: string; org_id: string }[], number] = await this.db.query(
        `UPDATE queue_maintenance_runs
         SET status = 'failed', completed_at = now(), duration_ms = COALESCE(duration_ms, (extract(epoch FROM now() - started_at) * 1000)::int),
             error_message = COALESCE(error_message, 'reaped: the maintenance run was still running after ' || $2 || ' s (its process probably died)')
         WHERE id = ANY($1) AND status = 'running' RETURNING id, org_id`,
        [items.map((i) => i.id), input.max_runtime_seconds],
      );
      reaped = done.length;
      await this.writeAudit(
        actor,
        done.map((d) => ({ org_id: d.org_id, path: `${AUDIT_PATH}/runs/${d.id}`, code: 'MAINTENANCE_RUN_REAPED' })),
      );
    }
    return { org_id: org, dry_run: input.dry_run, max_runtime_seconds: input.max_runtime_seconds, selected: items.length, reaped, items };
  }

  /** Seed step 107: how a schedule's triggers went in the last `window_days`. */
  async scheduleSummary(org: string, scheduleName: string | null, windowDays: number): Promise<ScheduleSummaryView> {
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
       WHERE t.org_id = $1 AND ($2::text IS NULL OR t.schedule_name = $2) AND t.created_at >= now() - make_interval(days => $3)`,
      [org, scheduleName, windowDays],
    );
    const triggers = Number(r.triggers);
    const executed = Number(r.executed);
    const ok = Number(r.ok);
    const failed = Number(r.failed);
    return {
      org_id: org,
      schedule_name: scheduleName,
      window_days: windowDays,
      trigger_count: triggers,
      executed_count: executed,
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

  /**
   * Seeds steps 108–110: compares the schedule summary with the org's alert thresholds; an anomaly is
   * sent through the alert notifier unless the same anomaly (fingerprint) was sent within the cooldown.
   * Every outcome is recorded (delivery status) and audited as SCHEDULE_ANOMALY_NOTIFY_<OUTCOME>.
   */
  async notify(
    actor: Actor | null,
    org: string,
    input: { schedule_name: string | null; window_days: number; dry_run: boolean; force_notify: boolean },
  ): Promise<NotifyResult> {
    const policy = await this.policyFor(org);
    const summary = await this.scheduleSummary(org, input.schedule_name, input.window_days);
    const anomalies: ScheduleAnomaly[] = [];
    if (summary.trigger_count > 0 && summary.dedupe_hit_rate > policy.schedule_alert_dedupe_hit_rate_threshold) {
      anomalies.push({ kind: 'dedupe_hit_rate_high', value: summary.dedupe_hit_rate, threshold: policy.schedule_alert_dedupe_hit_rate_threshold });
    }
    if (summary.successful_executions + summary.failed_executions > 0 && summary.execution_success_rate < policy.schedule_alert_min_execution_success_rate) {
      anomalies.push({
        kind: 'execution_success_rate_low',
        value: summary.execution_success_rate,
        threshold: policy.schedule_alert_min_execution_success_rate,
      });
    }
    // The fingerprint names which anomalies there are, not their exact values: a rate that drifts does not re-alert.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([org, input.schedule_name ?? '*', anomalies.map((a) => a.kind).sort()]))
      .digest('hex')
      .slice(0, 32);
    const result = (outcome: NotifyOutcome, reason: string | null, channel: string | null = null): NotifyResult => ({
      org_id: org,
      schedule_name: input.schedule_name,
      outcome,
      reason,
      anomalies,
      fingerprint,
      cooldown_minutes: policy.schedule_alert_cooldown_minutes,
      channel,
      summary,
    });
    let outcome: NotifyResult;
    if (!input.force_notify && anomalies.length === 0) outcome = result('skipped', 'no anomaly');
    else if (!input.force_notify && !policy.schedule_alert_enabled) outcome = result('skipped', 'schedule alerts are disabled in the policy');
    else if (input.dry_run) outcome = result('dry_run', null);
    else {
      const stateKey = input.schedule_name ?? '*';
      const marked: Date | null = await this.markCooldown(org, stateKey, fingerprint, policy.schedule_alert_cooldown_minutes, input.force_notify);
      if (!marked) outcome = result('suppressed', `the same anomaly was alerted within the last ${policy.schedule_alert_cooldown_minutes} min`);
      else {
        const sent = await this.notifier
          .send({ org_id: org, schedule_name: input.schedule_name, anomalies, fingerprint, forced: input.force_notify, summary })
          .catch((err: Error) => ({ delivered: false, channel: null, error: err.message }));
        if (sent.delivered) outcome = result('sent', null, sent.channel);
        else {
          // A failed delivery must not silence the next attempt.
          await this.db.query(`DELETE FROM queue_maintenance_alert_state WHERE org_id = $1 AND schedule_name = $2 AND last_alerted_at = $3`, [
            org,
            stateKey,
            marked,
          ]);
          outcome = result('failed', sent.error ?? 'the notifier did not deliver the alert', sent.channel);
        }
      }
    }
    await this.db.query(
      `INSERT INTO queue_maintenance_alerts (org_id, schedule_name, outcome, fingerprint, anomalies, error_message, requested_by_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        org,
        input.schedule_name,
        outcome.outcome,
        fingerprint,
        JSON.stringify(anomalies),
        outcome.outcome === 'failed' ? outcome.reason : null,
        actor?.key_id ?? null,
      ],
    );
    await this.writeAudit(actor, [
      {
        org_id: org,
        path: `${AUDIT_PATH}/schedule-summary/notify${scheduleQuery(input.schedule_name)}`,
        code: `SCHEDULE_ANOMALY_NOTIFY_${outcome.outcome.toUpperCase()}`,
      },
    ]);
    return outcome;
  }

  /** Seed step 110: what became of a schedule's anomaly alerts in the last `window_days`. */
  async alertDelivery(org: string, scheduleName: string | null, windowDays: number): Promise<AlertDeliveryView> {
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
       WHERE org_id = $1 AND ($2::text IS NULL OR schedule_name = $2) AND created_at >= now() - make_interval(days => $3)`,
      [org, scheduleName, windowDays],
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

  async policyFor(org: string): Promise<MaintenancePolicyView> {
    const saved = await this.db.getRepository(QueueMaintenancePolicyEntity).findOneBy({ org_id: org });
    if (!saved) return { org_id: org, source: 'default', ...this.defaults(), updated_at: null };
    return { org_id: org, source: 'org', ...stripPolicy(saved), updated_at: saved.updated_at };
  }

  /** One maintenance run with the org's policy (and the call's overrides), through the runner and its lease. */
  async execute(actor: Actor | null, org: string, input: MaintenanceRunRequest & { overrides: MaintenanceOverrides }): Promise<MaintenanceRunResult> {
    const policy = { ...stripPolicy(await this.policyFor(org)), ...definedOnly(input.overrides) };
    return this.runner.execute(actor, org, policy, input);
  }

  /**
   * Takes the cooldown for (org, schedule) when the last alert of the same fingerprint is older than the
   * cooldown (or differs, or `force`): one atomic upsert, so two notifies at once send once. Returns the
   * marked time, or null when suppressed.
   */
  private async markCooldown(org: string, schedule: string, fingerprint: string, cooldownMinutes: number, force: boolean): Promise<Date | null> {
    // An INSERT … ON CONFLICT DO UPDATE answers its RETURNING rows (no affected count, unlike UPDATE).
    const rows: { last_alerted_at: Date }[] = await this.db.query(
      `INSERT INTO queue_maintenance_alert_state AS s (org_id, schedule_name, fingerprint, last_alerted_at) VALUES ($1, $2, $3, clock_timestamp())
       ON CONFLICT (org_id, schedule_name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, last_alerted_at = EXCLUDED.last_alerted_at
       WHERE $5 OR s.fingerprint <> EXCLUDED.fingerprint OR s.last_alerted_at < clock_timestamp() - make_interval(mins => $4)
       RETURNING last_alerted_at`,
      [org, schedule, fingerprint, cooldownMinutes, force],
    );
    return rows[0]?.last_alerted_at ?? null;
  }

  private async writeAudit(actor: Actor | null, entries: { org_id: string; path: string; code: string }[]): Promise<void> {
    await writeMaintenanceAudit(this.audit, actor, entries);
  }
}

function stripPolicy(p: MaintenancePolicy): MaintenancePolicy {
  return {
    stale_run_seconds: p.stale_run_seconds,
    max_runtime_seconds: p.max_runtime_seconds,
    retention_days: p.retention_days,
    reap_limit: p.reap_limit,
    prune_limit: p.prune_limit,
    schedule_enabled: p.schedule_enabled,
    schedule_alert_enabled: p.schedule_alert_enabled,
    schedule_alert_dedupe_hit_rate_threshold: Number(p.schedule_alert_dedupe_hit_rate_threshold),
    schedule_alert_min_execution_success_rate: Number(p.schedule_alert_min_execution_success_rate),
    schedule_alert_cooldown_minutes: p.schedule_alert_cooldown_minutes,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

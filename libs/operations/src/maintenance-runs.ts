import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MaintenanceRunStatus, Page, PageRequest, QueueMaintenanceRunEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { Clock, OrgScope, paginate } from '@greenlight/platform';
import { MaintenancePolicies } from './maintenance-policies';
import { MaintenanceRunner, MaintenanceRunRequest } from './maintenance-runner';
import type { MaintenanceMetricsView, MaintenanceOverrides, MaintenanceRunResult, MaintenanceRunView } from './maintenance.types';

/** Maintenance runs: running one with the org's policy, and the runs ledger (list, detail, metrics). */
@Injectable()
export class MaintenanceRuns {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly policies: MaintenancePolicies,
    private readonly runner: MaintenanceRunner,
    private readonly clock: Clock,
  ) {}

  /** `POST /system/queue/maintenance/run`: reap then prune for one org, recorded in the ledger. */
  async run(actor: Actor, requestedOrg: string | undefined, input: { dry_run: boolean; overrides: MaintenanceOverrides }): Promise<MaintenanceRunResult> {
    const org = (await OrgScope.resolve(this.db, actor, requestedOrg, { required: true })).requireOrg();
    return this.execute(actor, org, { ...input, trigger: 'api' });
  }

  /** One maintenance run with the org's policy (and the call's overrides), through the runner and its lease. */
  async execute(actor: Actor | null, org: string, input: MaintenanceRunRequest & { overrides: MaintenanceOverrides }): Promise<MaintenanceRunResult> {
    return this.runner.execute(actor, org, await this.policies.effective(org, input.overrides), input);
  }

  async list(actor: Actor, filter: { org_id?: string; status?: MaintenanceRunStatus; trigger?: string }, page: PageRequest): Promise<Page<MaintenanceRunView>> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const qb = scope.query(this.db, QueueMaintenanceRunEntity, 'r');
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.trigger) qb.andWhere('r.trigger = :trigger', { trigger: filter.trigger });
    qb.orderBy('r.started_at', 'DESC').addOrderBy('r.id', 'DESC');
    return paginate(qb, page);
  }

  get(actor: Actor, id: string): Promise<MaintenanceRunView> {
    return OrgScope.of(actor).findOne(this.db, QueueMaintenanceRunEntity, id, 'maintenance run');
  }

  /** Counts, failure rate and duration percentiles of the maintenance runs started in the last `windowDays`. */
  async metrics(actor: Actor, requestedOrg: string | undefined, windowDays: number): Promise<MaintenanceMetricsView> {
    const scope = await OrgScope.resolve(this.db, actor, requestedOrg);
    const params: unknown[] = [this.clock.date(), windowDays];
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
       WHERE started_at >= $1::timestamptz - make_interval(days => $2) AND ${scope.sql('org_id', params)}`,
      params,
    );
    const finished = Number(r.completed) + Number(r.failed);
    const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
    return {
      org_id: scope.orgId,
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
}

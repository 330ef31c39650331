import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { QueueMaintenancePolicyEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { OrgScope } from '@greenlight/platform';
import type { MaintenanceOverrides, MaintenancePolicy, MaintenancePolicyView } from './maintenance.types';

/** Each org's maintenance policy; an org that saved none gets the platform defaults (from the configuration). */
@Injectable()
export class MaintenancePolicies {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
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

  async get(actor: Actor, requestedOrg?: string): Promise<MaintenancePolicyView> {
    const scope = await OrgScope.resolve(this.db, actor, requestedOrg, { required: true });
    return this.policyFor(scope.requireOrg());
  }

  /** Saves the org's policy; fields left out keep their current value (the defaults, when nothing was saved). */
  async upsert(actor: Actor, requestedOrg: string | undefined, input: Partial<MaintenancePolicy>): Promise<MaintenancePolicyView> {
    const org = (await OrgScope.resolve(this.db, actor, requestedOrg, { required: true })).requireOrg();
    const merged = mergePolicy(await this.policyFor(org), input);
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

  /** The org's policy (or, for `null`, the platform's defaults). */
  async policyOrDefaults(org: string | null): Promise<MaintenancePolicy> {
    return org ? this.policyFor(org) : this.defaults();
  }

  async policyFor(org: string): Promise<MaintenancePolicyView> {
    const saved = await this.db.getRepository(QueueMaintenancePolicyEntity).findOneBy({ org_id: org });
    if (!saved) return { org_id: org, source: 'default', ...this.defaults(), updated_at: null };
    return { org_id: org, source: 'org', ...policyFields(saved), updated_at: saved.updated_at };
  }

  /** The policy one maintenance run uses: the org's, with the call's overrides. */
  async effective(org: string, overrides: MaintenanceOverrides): Promise<MaintenancePolicy> {
    return mergePolicy(await this.policyFor(org), overrides);
  }
}

/** `base`'s policy fields with the fields `changes` gives (undefined ones leave the base value). */
export function mergePolicy(base: MaintenancePolicy, changes: Partial<MaintenancePolicy>): MaintenancePolicy {
  const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<MaintenancePolicy>;
  return { ...policyFields(base), ...given };
}

/** Only the policy's own fields (a saved row or a view carries more); Postgres doubles come back as numbers. */
function policyFields(p: MaintenancePolicy): MaintenancePolicy {
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

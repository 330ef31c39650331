import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '@greenlight/tenancy';
import { OrgScope } from '@greenlight/platform';
import { JobPruner } from './job-pruner';
import { MaintenancePolicies } from './maintenance-policies';
import type { PruneView, ReapView } from './queue-ops.types';
import { StaleRunReaper } from './stale-run-reaper';

/**
 * The operator's own reap and prune calls (outside a maintenance run): parameters left out come from
 * the org's maintenance policy, or the platform defaults when the call covers every org.
 */
@Injectable()
export class QueueCleanup {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly policies: MaintenancePolicies,
    private readonly reaper: StaleRunReaper,
    private readonly pruner: JobPruner,
  ) {}

  /** `POST /system/queue/jobs/reap-stale`: runs nobody executes any more (see StaleRunReaper). */
  async reapRuns(
    actor: Actor,
    input: { org_id?: string; stale_run_seconds?: number; max_runtime_seconds?: number; limit?: number; dry_run?: boolean },
  ): Promise<ReapView> {
    const scope = await OrgScope.resolve(this.db, actor, input.org_id);
    const p = await this.policies.policyOrDefaults(scope.orgId);
    return this.reaper.reap(actor, scope.orgId, {
      stale_run_seconds: input.stale_run_seconds ?? p.stale_run_seconds,
      max_runtime_seconds: input.max_runtime_seconds ?? p.max_runtime_seconds,
      limit: input.limit ?? p.reap_limit,
      dry_run: input.dry_run ?? false,
    });
  }

  /** `POST /system/queue/jobs/prune`: finished jobs older than the retention window. */
  async pruneJobs(actor: Actor, input: { org_id?: string; retention_days?: number; limit?: number; dry_run?: boolean }): Promise<PruneView> {
    const scope = await OrgScope.resolve(this.db, actor, input.org_id);
    const p = await this.policies.policyOrDefaults(scope.orgId);
    return this.pruner.prune(scope.orgId, {
      retention_days: input.retention_days ?? p.retention_days,
      limit: input.limit ?? p.prune_limit,
      dry_run: input.dry_run ?? false,
    });
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  MaintenanceEventAction,
  MaintenanceEventSource,
  Page,
  PageRequest,
  QueueMaintenanceEventEntity,
  QueueMaintenanceRunEntity,
} from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { Clock, OrgScope, paginate } from '@greenlight/platform';

/** One entry of the maintenance events ledger, as the API shows it. */
export interface MaintenanceEventView {
  id: string;
  org_id: string;
  run_id: string | null;
  action: MaintenanceEventAction;
  outcome: string;
  schedule_name: string | null;
  source: MaintenanceEventSource;
  api_key_id: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/** What maintenance reports about one thing it did; who caused it (an admin's request or the worker) comes from the actor. */
export interface MaintenanceEventInput {
  org_id: string;
  run_id?: string | null;
  action: MaintenanceEventAction;
  outcome: string;
  schedule_name?: string | null;
  details?: Record<string, unknown>;
}

export interface MaintenanceEventFilter {
  org_id?: string;
  run_id?: string;
  action?: MaintenanceEventAction;
  outcome?: string;
  schedule_name?: string;
  request_id?: string;
  source?: MaintenanceEventSource;
}

/**
 * The ledger of what maintenance did besides running: runs failed as stale or orphaned, schedule
 * triggers executed or deduped, anomaly alerts and their outcome. It is maintenance's own record;
 * the HTTP audit log keeps only the requests themselves.
 */
@Injectable()
export class MaintenanceEvents {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Records events caused by `actor` (null: the worker's scheduled maintenance). */
  async record(actor: Actor | null, events: MaintenanceEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const at = this.clock.date();
    await this.db.getRepository(QueueMaintenanceEventEntity).insert(
      events.map((e): QueryDeepPartialEntity<QueueMaintenanceEventEntity> => ({
        org_id: e.org_id,
        run_id: e.run_id ?? null,
        action: e.action,
        outcome: e.outcome,
        schedule_name: e.schedule_name ?? null,
        source: actor ? 'api' : 'worker',
        api_key_id: actor?.key_id ?? null,
        request_id: actor?.request_id ?? null,
        // jsonb: TypeORM serializes the object as it is.
        details: (e.details ?? {}) as QueryDeepPartialEntity<Record<string, unknown>>,
        created_at: at,
      })),
    );
  }

  /** The ledger, newest first, within the caller's org scope. */
  async list(actor: Actor, filter: MaintenanceEventFilter, page: PageRequest): Promise<Page<MaintenanceEventView>> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const qb = scope.query(this.db, QueueMaintenanceEventEntity, 'e');
    for (const field of ['run_id', 'action', 'outcome', 'schedule_name', 'request_id', 'source'] as const) {
      if (filter[field] !== undefined) qb.andWhere(`e.${field} = :${field}`, { [field]: filter[field] });
    }
    qb.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC');
    return paginate(qb, page, present);
  }

  /** The events of one maintenance run (404 for a run outside the caller's scope). */
  async listForRun(
    actor: Actor,
    runId: string,
    filter: Omit<MaintenanceEventFilter, 'org_id' | 'run_id'>,
    page: PageRequest,
  ): Promise<Page<MaintenanceEventView>> {
    const run = await OrgScope.of(actor).findOne(this.db, QueueMaintenanceRunEntity, runId, 'maintenance run');
    return this.list(actor, { ...filter, org_id: run.org_id, run_id: run.id }, page);
  }
}

function present(e: QueueMaintenanceEventEntity): MaintenanceEventView {
  return {
    id: e.id,
    org_id: e.org_id,
    run_id: e.run_id,
    action: e.action,
    outcome: e.outcome,
    schedule_name: e.schedule_name,
    source: e.source,
    api_key_id: e.api_key_id,
    request_id: e.request_id,
    details: e.details,
    created_at: e.created_at,
  };
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorCode, QueueName } from '@greenlight/contracts';
import { NotificationOutboxEntity, OutboxStatus, Page, PageRequest } from '@greenlight/database';
import { JobProducer } from '@greenlight/queue';
import { Clock, DomainError, OrgScope, paginate } from '@greenlight/platform';
import { Actor } from '@greenlight/tenancy';
import { deliverJobId, NotificationOutbox, OutboxRef } from './outbox.service';

export interface OutboxItemView {
  id: string;
  event_id: string;
  org_id: string;
  endpoint_id: string | null;
  target_url: string;
  event_type: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  dead_reason: string | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface OutboxFilter {
  org_id?: string;
  status?: OutboxStatus;
  event_type?: string;
  endpoint_id?: string;
}

export interface DrainView {
  org_id: string | null;
  limit: number;
  selected: number;
  enqueued: number;
  /** Delayed retry jobs moved forward to run now. */
  promoted: number;
}

export interface DeadLetterSummaryView {
  org_id: string | null;
  event_type: string | null;
  total_dead: number;
  oldest_dead_age_seconds: number | null;
  reason_groups: { reason: string; count: number; last_error: string | null; last_at: Date }[];
  age_buckets: { lt_1h: number; h_1_to_24: number; d_1_to_7: number; gte_7d: number };
}

/**
 * Outbox operations. An org admin sees its own org's deliveries to its own endpoints; the platform
 * endpoint's deliveries (NOTIFY_WEBHOOK_URL, rows without an endpoint) are for global admins only,
 * even when they are about the admin's org.
 */
@Injectable()
export class NotificationOpsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly outbox: NotificationOutbox,
    private readonly producer: JobProducer,
    private readonly clock: Clock,
  ) {}

  async list(actor: Actor, filter: OutboxFilter, page: PageRequest): Promise<Page<OutboxItemView>> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const qb = scope.query(this.db, NotificationOutboxEntity, 'o');
    if (scope.isOrgKey) qb.andWhere('o.endpoint_id IS NOT NULL');
    if (filter.status) qb.andWhere('o.status = :status', { status: filter.status });
    if (filter.event_type) qb.andWhere('o.event_type = :type', { type: filter.event_type });
    if (filter.endpoint_id) qb.andWhere('o.endpoint_id = :endpoint', { endpoint: filter.endpoint_id });
    qb.orderBy('o.created_at', 'DESC').addOrderBy('o.id', 'DESC');
    return paginate(qb, page, present);
  }

  async get(actor: Actor, id: string): Promise<OutboxItemView> {
    return present(await this.load(actor, id));
  }

  /**
   * Sends a dead (or pending) delivery again from a fresh retry schedule (attempts reset to 0). A
   * delivery being sent right now answers NOTIFICATION_OUTBOX_IN_PROGRESS; a delivered one is final.
   */
  async retry(actor: Actor, id: string): Promise<OutboxItemView> {
    const row = await this.load(actor, id);
    if (row.status === 'sending') {
      throw new DomainError(ErrorCode.NOTIFICATION_OUTBOX_IN_PROGRESS, 'the delivery is being sent right now; retry it once the attempt has finished', {
        id,
        status: row.status,
      });
    }
    if (row.status === 'delivered') {
      throw new DomainError(ErrorCode.NOTIFICATION_OUTBOX_NOT_RETRYABLE, 'the delivery was delivered; it is not sent again', { id, status: row.status });
    }
    const [rows]: [OutboxRef[], number] = await this.db.query(
      `UPDATE notification_outbox SET status = 'pending', attempts = 0, round = round + 1, next_attempt_at = $2, dead_reason = NULL, updated_at = $2
       WHERE id = $1 AND status IN ('pending', 'dead') RETURNING id, org_id, round, attempts`,
      [id, this.clock.date()],
    );
    if (!rows.length) {
      throw new DomainError(ErrorCode.NOTIFICATION_OUTBOX_IN_PROGRESS, 'the delivery changed state meanwhile; look at it again', { id });
    }
    await this.outbox.dispatch(rows);
    return present(await this.load(actor, id));
  }

  /** Makes every pending delivery (up to `limit`, oldest first) due now and makes sure it has a job. */
  async drain(actor: Actor, input: { org_id?: string; limit: number }): Promise<DrainView> {
    const scope = await OrgScope.resolve(this.db, actor, input.org_id);
    const params: unknown[] = [this.clock.date(), input.limit];
    const [rows]: [OutboxRef[], number] = await this.db.query(
      `UPDATE notification_outbox SET next_attempt_at = $1, updated_at = $1
       WHERE id IN (SELECT id FROM notification_outbox WHERE status = 'pending' AND ${visibleRows(scope, params)}
                    ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, org_id, round, attempts`,
      params,
    );
    const queue = this.producer.queue(QueueName.Notifications);
    let promoted = 0;
    const missing: OutboxRef[] = [];
    for (const ref of rows) {
      const job = await queue.getJob(deliverJobId(ref));
      if (job && (await job.getState()) === 'delayed') {
        await job.promote().then(
          () => promoted++,
          () => undefined,
        );
      } else if (!job) missing.push(ref);
    }
    await this.outbox.dispatch(missing);
    return { org_id: scope.orgId, limit: input.limit, selected: rows.length, enqueued: missing.length, promoted };
  }

  /** Dead deliveries grouped by reason and by age (ages by the Clock). */
  async deadLetterSummary(actor: Actor, filter: { org_id?: string; event_type?: string }): Promise<DeadLetterSummaryView> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const params: unknown[] = [filter.event_type ?? null];
    const where = `status = 'dead' AND ($1::text IS NULL OR event_type = $1) AND ${visibleRows(scope, params)}`;
    const now = `$${params.length + 1}::timestamptz`;
    const [totals] = await this.db.query(
      `SELECT count(*)::int AS total, extract(epoch FROM ${now} - min(updated_at)) AS oldest,
              count(*) FILTER (WHERE updated_at > ${now} - interval '1 hour')::int AS lt_1h,
              count(*) FILTER (WHERE updated_at <= ${now} - interval '1 hour' AND updated_at > ${now} - interval '1 day')::int AS h_1_to_24,
              count(*) FILTER (WHERE updated_at <= ${now} - interval '1 day' AND updated_at > ${now} - interval '7 days')::int AS d_1_to_7,
              count(*) FILTER (WHERE updated_at <= ${now} - interval '7 days')::int AS gte_7d
       FROM notification_outbox WHERE ${where}`,
      [...params, this.clock.date()],
    );
    const groups = await this.db.query(
      `SELECT dead_reason AS reason, count(*)::int AS count, max(updated_at) AS last_at,
              (array_agg(last_error ORDER BY updated_at DESC))[1] AS last_error
       FROM notification_outbox WHERE ${where} GROUP BY dead_reason ORDER BY count(*) DESC, dead_reason`,
      params,
    );
    return {
      org_id: scope.orgId,
      event_type: filter.event_type ?? null,
      total_dead: totals.total,
      oldest_dead_age_seconds: totals.oldest === null ? null : Math.max(0, Math.round(Number(totals.oldest))),
      reason_groups: groups,
      age_buckets: { lt_1h: totals.lt_1h, h_1_to_24: totals.h_1_to_24, d_1_to_7: totals.d_1_to_7, gte_7d: totals.gte_7d },
    };
  }

  /** The delivery in the actor's scope; another org's, or a platform delivery for an org key, answers 404 like a missing one. */
  private async load(actor: Actor, id: string): Promise<NotificationOutboxEntity> {
    const scope = OrgScope.of(actor);
    const row = await scope.findOne(this.db, NotificationOutboxEntity, id, 'outbox item');
    if (scope.isOrgKey && row.endpoint_id === null) throw DomainError.notFound('outbox item', id);
    return row;
  }
}

/**
 * The outbox rows of the scope, for hand-written SQL (appends to `params`): its org's rows, and
 * for an org key only deliveries to the org's own endpoints — platform rows are for global keys.
 */
function visibleRows(scope: OrgScope, params: unknown[]): string {
  const org = scope.sql('org_id', params);
  return scope.isOrgKey ? `${org} AND endpoint_id IS NOT NULL` : org;
}

/** The row without its payload and internal retry round. */
function present(o: NotificationOutboxEntity): OutboxItemView {
  const { data: _data, round: _round, ...view } = o;
  return view;
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { Page, PageRequest, WebhookEndpointEntity } from '@greenlight/database';
import { assertSavableUrl, Clock, DomainError, GuardedHttpClient, OrgScope, pageOf, paginate } from '@greenlight/platform';
import { Actor } from '@greenlight/tenancy';
import { NotificationOutbox } from './outbox.service';
import { generateWebhookSecret } from './signing/signature';
import { AttemptResult, WebhookDeliveryService } from './webhook-delivery.service';

export interface WebhookEndpointView {
  id: string;
  org_id: string;
  url: string;
  description: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  consecutive_failures: number;
  last_success_at: Date | null;
  /** While a rotated-out secret still signs deliveries (both signatures are sent). */
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookEndpointWithSecret {
  endpoint: WebhookEndpointView;
  /** Shown once: at creation and at rotation. Never stored anywhere the API can return it again. */
  secret: string | null;
}

export interface EndpointInput {
  url?: string;
  description?: string | null;
  event_types?: string[];
  enabled?: boolean;
}

export interface DeliveryAttemptView {
  attempt_id: string;
  delivery_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  outcome: 'delivered' | 'failed';
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  created_at: Date;
  /** Where the delivery stands now: pending (retry due), sending, delivered or dead. */
  delivery_status: string;
}

export interface TestDeliveryView extends AttemptResult {
  event_type: 'webhook.test';
}

/** Org-managed webhook endpoints: URL, event filter, enabled flag, a Standard Webhooks secret with rotation. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly http: GuardedHttpClient,
    private readonly outbox: NotificationOutbox,
    private readonly delivery: WebhookDeliveryService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  private get repo() {
    return this.db.getRepository(WebhookEndpointEntity);
  }

  async create(actor: Actor, input: EndpointInput & { org_id?: string; url: string }): Promise<WebhookEndpointWithSecret> {
    const org = (await OrgScope.resolve(this.db, actor, input.org_id, { required: true })).requireOrg();
    await this.checkUrl(input.url);
    const limit = this.config.get('WEBHOOK_MAX_ENDPOINTS_PER_ORG');
    const secret = generateWebhookSecret();
    // The count and the insert in one statement: concurrent creates cannot pass the limit together.
    const rows: WebhookEndpointEntity[] = await this.db.query(
      `INSERT INTO webhook_endpoints (org_id, url, description, event_types, enabled, disabled_at, secret, created_by_key_id)
       SELECT $1, $2, $3, $4, $5, CASE WHEN $5 THEN NULL ELSE $9::timestamptz END, $6, $7
       WHERE (SELECT count(*) FROM webhook_endpoints WHERE org_id = $1) < $8
       RETURNING id`,
      [org, input.url, input.description ?? '', uniq(input.event_types ?? []), input.enabled ?? true, secret, actor.key_id, limit, this.clock.date()],
    );
    if (rows.length === 0) {
      throw new DomainError(ErrorCode.WEBHOOK_ENDPOINT_LIMIT_REACHED, `an org may register at most ${limit} webhook endpoints`, { limit });
    }
    return { endpoint: this.present(await this.repo.findOneByOrFail({ id: rows[0].id })), secret };
  }

  async list(actor: Actor, filter: { org_id?: string; enabled?: boolean }, page: PageRequest): Promise<Page<WebhookEndpointView>> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const qb = scope.query(this.db, WebhookEndpointEntity, 'e');
    if (filter.enabled !== undefined) qb.andWhere('e.enabled = :enabled', { enabled: filter.enabled });
    qb.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC');
    return paginate(qb, page, (e) => this.present(e));
  }

  async get(actor: Actor, id: string): Promise<WebhookEndpointView> {
    return this.present(await this.load(actor, id));
  }

  /** Changes URL (checked again), description, event filter or enabled flag. Re-enabling clears the failure streak. */
  async update(actor: Actor, id: string, input: EndpointInput): Promise<WebhookEndpointView> {
    const e = await this.load(actor, id);
    if (input.url !== undefined && input.url !== e.url) {
      await this.checkUrl(input.url);
      e.url = input.url;
    }
    if (input.description !== undefined) e.description = input.description ?? '';
    if (input.event_types !== undefined) e.event_types = uniq(input.event_types);
    if (input.enabled === true && !e.enabled) {
      Object.assign(e, { enabled: true, disabled_at: null, disabled_reason: null, failing_since: null, consecutive_failures: 0 });
    } else if (input.enabled === false && e.enabled) {
      Object.assign(e, { enabled: false, disabled_at: this.clock.date(), disabled_reason: `disabled by API key ${actor.key_id}` });
    }
    return this.present(await this.repo.save(e));
  }

  /** Deletes the endpoint and its deliveries. */
  async remove(actor: Actor, id: string): Promise<{ id: string; deleted: true }> {
    const e = await this.load(actor, id);
    await this.repo.delete({ id: e.id });
    return { id: e.id, deleted: true };
  }

  /** A new secret; the old one keeps signing (a second signature) for WEBHOOK_SECRET_GRACE_MS. */
  async rotateSecret(actor: Actor, id: string): Promise<WebhookEndpointWithSecret> {
    const e = await this.load(actor, id);
    const secret = generateWebhookSecret();
    const graceMs = this.config.get('WEBHOOK_SECRET_GRACE_MS');
    const now = this.clock.now();
    await this.db.query(
      `UPDATE webhook_endpoints SET previous_secret = CASE WHEN $3 THEN secret END, previous_secret_expires_at = CASE WHEN $3 THEN $4::timestamptz END,
              secret = $2, updated_at = $5
       WHERE id = $1`,
      [e.id, secret, graceMs > 0, new Date(now + graceMs), new Date(now)],
    );
    return { endpoint: this.present(await this.repo.findOneByOrFail({ id: e.id })), secret };
  }

  /** The endpoint's delivery attempts, newest first: status, latency, response code, error. */
  async deliveries(
    actor: Actor,
    id: string,
    filter: { outcome?: 'delivered' | 'failed'; event_type?: string },
    page: PageRequest,
  ): Promise<Page<DeliveryAttemptView>> {
    const e = await this.load(actor, id);
    const params = [e.id, filter.outcome ?? null, filter.event_type ?? null];
    const where = `a.endpoint_id = $1 AND ($2::text IS NULL OR a.outcome = $2) AND ($3::text IS NULL OR o.event_type = $3)`;
    const rows: DeliveryAttemptView[] = await this.db.query(
      `SELECT a.id::text AS attempt_id, a.outbox_id AS delivery_id, o.event_id, o.event_type, a.attempt, a.outcome, a.status_code,
              a.latency_ms, a.error, a.created_at, o.status AS delivery_status
       FROM webhook_delivery_attempts a JOIN notification_outbox o ON o.id = a.outbox_id
       WHERE ${where} ORDER BY a.id DESC LIMIT $4 OFFSET $5`,
      [...params, page.limit, page.offset],
    );
    const [{ n }] = await this.db.query(
      `SELECT count(*)::int AS n FROM webhook_delivery_attempts a JOIN notification_outbox o ON o.id = a.outbox_id WHERE ${where}`,
      params,
    );
    return pageOf(rows, n, page);
  }

  /**
   * Sends a signed `webhook.test` event to the endpoint now and answers with the attempt. It is an
   * outbox delivery like any other: if it fails, it retries on the schedule.
   */
  async test(actor: Actor, id: string): Promise<TestDeliveryView> {
    const e = await this.load(actor, id);
    const [ref] = await this.db.transaction((m) =>
      this.outbox.record(
        m,
        { org_id: e.org_id, event_type: 'webhook.test', data: { message: 'Greenlight webhook test', endpoint_id: e.id, requested_by_key_id: actor.key_id } },
        e.id,
      ),
    );
    return { ...(await this.delivery.deliver(ref.id)), event_type: 'webhook.test' };
  }

  /** The endpoint in the actor's org (any org for a global key); another org's answers 404 like a missing one. */
  private load(actor: Actor, id: string): Promise<WebhookEndpointEntity> {
    return OrgScope.of(actor).findOne(this.db, WebhookEndpointEntity, id, 'webhook endpoint');
  }

  /** The endpoint without its secrets; the rotation window only while it lasts (by the Clock). */
  private present(e: WebhookEndpointEntity): WebhookEndpointView {
    const { secret: _secret, previous_secret: _previous, created_by_key_id: _creator, previous_secret_expires_at: expires, ...view } = e;
    return { ...view, previous_secret_expires_at: expires && expires.getTime() > this.clock.now() ? expires : null };
  }

  /** The SSRF policy of every outbound call, applied when the URL is saved (and again at each delivery). */
  private checkUrl(url: string): Promise<void> {
    return assertSavableUrl(this.http, url, { field: 'url', label: 'webhook URL' });
  }
}

function uniq(values: string[]): string[] {
  return [...new Set(values)];
}

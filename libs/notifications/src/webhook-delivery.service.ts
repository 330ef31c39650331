import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { NotificationOutboxEntity } from '@greenlight/database';
import { ActivityService, Clock, GuardedHttpClient, OutboundError } from '@greenlight/platform';
import { CLAIM_EARLY_MS, deliveryBody, failedTooLong, parseRetryAfter, retryDelayMs, SUCCESS_WRITE_INTERVAL_MS, SWEEP_GRACE_MS } from './delivery-rules';
import { NotificationOutbox, OutboxRef } from './outbox.service';
import { signWebhook } from './signing/signature';

/** Why a delivery is dead (the dead-letter summary groups by it). */
export type DeadReason = 'retries_exhausted' | 'gone' | 'endpoint_disabled' | 'blocked_address';

export interface AttemptResult {
  delivery_id: string;
  /** `skipped`: not due, already delivered, or another worker holds it. */
  outcome: 'delivered' | 'retrying' | 'dead' | 'skipped';
  attempt: number | null;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  next_attempt_at: Date | null;
}

const RESPONSE_CAP_BYTES = 64 * 1024;

/** What the outcome of an attempt is written against. */
type AttemptRow = Pick<NotificationOutboxEntity, 'id' | 'org_id' | 'endpoint_id' | 'attempts'>;

/** The outbox columns an attempt needs (the body's and the outcome's), as claimed. */
const CLAIMED_COLUMNS = 'id, event_id, org_id, endpoint_id, target_url, event_type, data, attempts, created_at';

/** An outbox row as claimed, with its endpoint's current URL, state and secrets. */
type ClaimedRow = AttemptRow &
  Pick<NotificationOutboxEntity, 'event_id' | 'target_url' | 'event_type' | 'data' | 'created_at'> & {
    endpoint_url: string | null;
    endpoint_enabled: boolean | null;
    endpoint_secret: string | null;
    endpoint_previous_secret: string | null;
  };

/** What the receiver did with one POST. */
interface PostOutcome {
  status: number | null;
  error: string | null;
  retryAfterMs: number | null;
  latency: number;
  /** The URL is refused by the outbound policy: retrying cannot help. */
  refused: boolean;
}

/**
 * Makes one delivery attempt of an outbox row: claims it (`pending` and due, or `sending` whose lease
 * ran out because a worker died mid-attempt), POSTs the signed body through the guarded client, and
 * records the outcome. Only 2xx is success; 410 kills the delivery and disables the endpoint; other
 * failures retry on WEBHOOK_RETRY_SCHEDULE_MS (or the receiver's Retry-After, capped) until the
 * schedule runs out, then the delivery is dead. An endpoint failing for WEBHOOK_DISABLE_AFTER_MS is
 * disabled, with an activity event. Every time rule reads the injected Clock, in SQL too.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger('WebhookDelivery');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly http: GuardedHttpClient,
    private readonly outbox: NotificationOutbox,
    private readonly activity: ActivityService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** A `sending` row older than this was abandoned (its worker died mid-attempt): an attempt lasts at most the timeout. */
  private get leaseMs(): number {
    return Math.ceil((2 * this.config.get('WEBHOOK_TIMEOUT_MS') + 5000) / 1000) * 1000;
  }

  async deliver(outboxId: string): Promise<AttemptResult> {
    const row = await this.claim(outboxId);
    if (!row) return { delivery_id: outboxId, outcome: 'skipped', attempt: null, status_code: null, latency_ms: null, error: null, next_attempt_at: null };

    const target = this.target(row);
    if (!target) return this.kill(row, 'endpoint_disabled', 'the endpoint is disabled', null, 0);

    const post = await this.post(row, target);
    if (post.refused) return this.kill(row, 'blocked_address', post.error!, null, post.latency);
    if (post.error === null) return this.delivered(row, post);
    if (post.status === 410) {
      await this.disableEndpoint(row, 'the receiver answered 410 Gone');
      return this.kill(row, 'gone', post.error, post.status, post.latency);
    }
    return this.failed(row, post);
  }

  /**
   * Enqueues rows that are due (by a grace period) but were never picked up — their process died
   * between commit and enqueue, or mid-attempt — and returns how many it found.
   */
  async sweep(limit = 1000): Promise<number> {
    const now = this.clock.now();
    const rows: OutboxRef[] = await this.db.query(
      `SELECT id, org_id, round, attempts FROM notification_outbox
       WHERE (status = 'pending' AND next_attempt_at < $1) OR (status = 'sending' AND last_attempt_at < $2)
       ORDER BY next_attempt_at LIMIT $3`,
      [new Date(now - SWEEP_GRACE_MS), new Date(now - this.leaseMs), limit],
    );
    await this.outbox.dispatch(rows);
    return rows.length;
  }

  /** Claims the row and reads its endpoint in one round trip; null when it is not due or another worker holds it. */
  private async claim(outboxId: string): Promise<ClaimedRow | undefined> {
    const now = this.clock.now();
    // A statement that ends in SELECT answers its rows (no affected count).
    const claimed: ClaimedRow[] = await this.db.query(
      `WITH claimed AS (
         UPDATE notification_outbox SET status = 'sending', attempts = attempts + 1, last_attempt_at = $2, updated_at = $2
         WHERE id = $1 AND ((status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND last_attempt_at < $4))
         RETURNING ${CLAIMED_COLUMNS})
       SELECT c.*, e.url AS endpoint_url, e.enabled AS endpoint_enabled, e.secret AS endpoint_secret,
              CASE WHEN e.previous_secret_expires_at > $2 THEN e.previous_secret END AS endpoint_previous_secret
       FROM claimed c LEFT JOIN webhook_endpoints e ON e.id = c.endpoint_id`,
      [outboxId, new Date(now), new Date(now + CLAIM_EARLY_MS), new Date(now - this.leaseMs)],
    );
    return claimed[0];
  }

  private target(row: ClaimedRow): { url: string; secrets: string[] } | null {
    if (!row.endpoint_id) {
      const secret = this.config.get('NOTIFY_WEBHOOK_SECRET');
      return { url: row.target_url, secrets: secret ? [secret] : [] };
    }
    if (!row.endpoint_enabled || !row.endpoint_url || !row.endpoint_secret) return null;
    return { url: row.endpoint_url, secrets: row.endpoint_previous_secret ? [row.endpoint_secret, row.endpoint_previous_secret] : [row.endpoint_secret] };
  }

  /** POSTs the signed body; only 2xx is success. */
  private async post(row: ClaimedRow, target: { url: string; secrets: string[] }): Promise<PostOutcome> {
    const body = deliveryBody(row);
    const signed = signWebhook(row.id, body, target.secrets, Math.floor(this.clock.now() / 1000));
    const headers = { 'content-type': 'application/json', 'user-agent': 'Greenlight-Webhooks/1.0', ...signed };
    const started = performance.now();
    try {
      const res = await this.http.request({
        url: target.url,
        method: 'POST',
        headers: headers as unknown as Record<string, string>,
        body,
        timeout_ms: this.config.get('WEBHOOK_TIMEOUT_MS'),
        max_response_bytes: RESPONSE_CAP_BYTES,
      });
      const ok = res.status >= 200 && res.status <= 299;
      return {
        status: res.status,
        error: ok ? null : `HTTP ${res.status}`,
        retryAfterMs: ok ? null : parseRetryAfter(res.headers['retry-after'], this.clock.now()),
        latency: Math.round(res.latency_ms),
        refused: false,
      };
    } catch (err) {
      const latency = Math.round(performance.now() - started);
      if (!(err instanceof OutboundError)) return { status: null, error: `network: ${(err as Error).message}`, retryAfterMs: null, latency, refused: false };
      const refused = err.kind === 'blocked_address' || err.kind === 'invalid_url';
      return { status: null, error: `${err.kind}: ${err.message}`, retryAfterMs: null, latency, refused };
    }
  }

  /** Attempt log, delivered state and (only when it changes, or once a minute) the endpoint's health, in one statement. */
  private async delivered(row: ClaimedRow, post: PostOutcome): Promise<AttemptResult> {
    const now = this.clock.now();
    await this.db.query(
      `WITH attempt AS (
         INSERT INTO webhook_delivery_attempts (outbox_id, endpoint_id, org_id, attempt, outcome, status_code, latency_ms) VALUES ($1, $2, $3, $4, 'delivered', $5, $6)),
       endpoint AS (
         UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL, last_success_at = $7
         WHERE id = $2 AND (consecutive_failures > 0 OR last_success_at IS NULL OR last_success_at < $8))
       UPDATE notification_outbox SET status = 'delivered', delivered_at = $7, last_status_code = $5, last_error = NULL, updated_at = $7 WHERE id = $1`,
      [row.id, row.endpoint_id, row.org_id, row.attempts, post.status, post.latency, new Date(now), new Date(now - SUCCESS_WRITE_INTERVAL_MS)],
    );
    return {
      delivery_id: row.id,
      outcome: 'delivered',
      attempt: row.attempts,
      status_code: post.status,
      latency_ms: post.latency,
      error: null,
      next_attempt_at: null,
    };
  }

  /** A failed attempt: the endpoint's failure streak grows; the delivery waits for its next attempt, or is dead once the schedule ran out. */
  private async failed(row: ClaimedRow, post: PostOutcome): Promise<AttemptResult> {
    const error = post.error!;
    await this.endpointFailed(row);
    const delay = retryDelayMs(this.config.get('WEBHOOK_RETRY_SCHEDULE_MS'), row.attempts, post.retryAfterMs, this.config.get('WEBHOOK_MAX_RETRY_AFTER_MS'));
    if (delay === null) return this.kill(row, 'retries_exhausted', error, post.status, post.latency);

    await this.recordAttempt(row, post.status, post.latency, error);
    const now = this.clock.now();
    const [updated]: [NotificationOutboxEntity[], number] = await this.db.query(
      `UPDATE notification_outbox SET status = 'pending', next_attempt_at = $2, last_status_code = $3, last_error = $4, updated_at = $5
       WHERE id = $1 AND status = 'sending' RETURNING id, org_id, round, attempts, next_attempt_at`,
      [row.id, new Date(now + delay), post.status, error, new Date(now)],
    );
    if (updated[0]) await this.outbox.dispatch([updated[0] as unknown as OutboxRef], delay);
    return {
      delivery_id: row.id,
      outcome: 'retrying',
      attempt: row.attempts,
      status_code: post.status,
      latency_ms: post.latency,
      error,
      next_attempt_at: updated[0]?.next_attempt_at ?? null,
    };
  }

  private async kill(row: AttemptRow, reason: DeadReason, error: string, status: number | null, latency: number): Promise<AttemptResult> {
    await this.recordAttempt(row, status, latency, error);
    await this.db.query(
      `UPDATE notification_outbox SET status = 'dead', dead_reason = $2, last_error = $3, last_status_code = $4, updated_at = $5 WHERE id = $1`,
      [row.id, reason, error, status, this.clock.date()],
    );
    return { delivery_id: row.id, outcome: 'dead', attempt: row.attempts, status_code: status, latency_ms: latency, error, next_attempt_at: null };
  }

  /** Logs a failed attempt (a delivered one is logged with its state change). */
  private async recordAttempt(row: AttemptRow, status: number | null, latency: number, error: string): Promise<void> {
    await this.db.query(
      `INSERT INTO webhook_delivery_attempts (outbox_id, endpoint_id, org_id, attempt, outcome, status_code, latency_ms, error) VALUES ($1, $2, $3, $4, 'failed', $5, $6, $7)`,
      [row.id, row.endpoint_id, row.org_id, row.attempts, status, latency, error.slice(0, 1000)],
    );
  }

  /** Grows the endpoint's failure streak; an endpoint failing for longer than the disable window is disabled. */
  private async endpointFailed(row: AttemptRow): Promise<void> {
    if (!row.endpoint_id) return;
    const now = this.clock.now();
    const [rows]: [{ failing_since: Date; consecutive_failures: number }[], number] = await this.db.query(
      `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, $2)
       WHERE id = $1 AND enabled RETURNING failing_since, consecutive_failures`,
      [row.endpoint_id, new Date(now)],
    );
    const e = rows[0];
    if (e && failedTooLong(e.failing_since, now, this.config.get('WEBHOOK_DISABLE_AFTER_MS'))) {
      await this.disableEndpoint(row, `every delivery failed since ${new Date(e.failing_since).toISOString()} (${e.consecutive_failures} attempts)`);
    }
  }

  private async disableEndpoint(row: AttemptRow, reason: string): Promise<void> {
    if (!row.endpoint_id) return;
    await this.db.transaction(async (m) => {
      const [rows] = await m.query(
        `UPDATE webhook_endpoints SET enabled = false, disabled_at = $3, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled RETURNING id, url`,
        [row.endpoint_id, reason, this.clock.date()],
      );
      if (!rows.length) return;
      await this.activity.record(m, null, {
        org_id: row.org_id,
        event_type: 'webhook_endpoint_disabled',
        metadata: { endpoint_id: row.endpoint_id, url: rows[0].url, reason },
      });
      this.logger.warn(`webhook endpoint ${row.endpoint_id} disabled: ${reason}`);
    });
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { NotificationOutboxEntity } from '@greenlight/database';
import { signWebhook } from './signing/signature';
import { ActivityService } from '@greenlight/platform';
import { GuardedHttpClient } from '@greenlight/platform';
import { OutboundError } from '@greenlight/platform';
import { NotificationOutbox, OutboxRef } from './outbox.service';

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

/** An outbox row as claimed, with its endpoint's current URL, state and secrets. */
type ClaimedRow = NotificationOutboxEntity & {
  endpoint_url: string | null;
  endpoint_enabled: boolean | null;
  endpoint_secret: string | null;
  endpoint_previous_secret: string | null;
};

/** The body of a delivery; built from the stored row, so every attempt sends the same bytes. */
export function deliveryBody(row: Pick<NotificationOutboxEntity, 'id' | 'event_id' | 'event_type' | 'org_id' | 'created_at' | 'data'>): string {
  return JSON.stringify({
    delivery_id: row.id,
    event_id: row.event_id,
    type: row.event_type,
    org_id: row.org_id,
    created_at: new Date(row.created_at).toISOString(),
    data: row.data,
  });
}

/** Seconds or an HTTP date → milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * Makes one delivery attempt of an outbox row: claims it (`pending` and due, or `sending` whose lease
 * ran out because a worker died mid-attempt), POSTs the signed body through the guarded client, and
 * records the outcome. Only 2xx is success; 410 kills the delivery and disables the endpoint; other
 * failures retry on WEBHOOK_RETRY_SCHEDULE_MS (or the receiver's Retry-After, capped) until the
 * schedule runs out, then the delivery is dead. An endpoint failing for WEBHOOK_DISABLE_AFTER_MS is
 * disabled, with an activity event.
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
  ) {}

  /** A `sending` row older than this was abandoned (its worker died mid-attempt): an attempt lasts at most the timeout. */
  private get leaseSeconds(): number {
    return Math.ceil((2 * this.config.get('WEBHOOK_TIMEOUT_MS') + 5000) / 1000);
  }

  async deliver(outboxId: string): Promise<AttemptResult> {
    // Claim the row and read its endpoint in one round trip.
    // A statement that ends in SELECT answers its rows (no affected count).
    const claimed: ClaimedRow[] = await this.db.query(
      `WITH claimed AS (
         UPDATE notification_outbox SET status = 'sending', attempts = attempts + 1, last_attempt_at = now(), updated_at = now()
         WHERE id = $1 AND ((status = 'pending' AND next_attempt_at <= now() + interval '1 second')
                         OR (status = 'sending' AND last_attempt_at < now() - make_interval(secs => $2)))
         RETURNING *)
       SELECT c.*, e.url AS endpoint_url, e.enabled AS endpoint_enabled, e.secret AS endpoint_secret,
              CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS endpoint_previous_secret
       FROM claimed c LEFT JOIN webhook_endpoints e ON e.id = c.endpoint_id`,
      [outboxId, this.leaseSeconds],
    );
    const row = claimed[0];
    if (!row) return { delivery_id: outboxId, outcome: 'skipped', attempt: null, status_code: null, latency_ms: null, error: null, next_attempt_at: null };

    const target = this.target(row);
    if (!target) return this.kill(row, 'endpoint_disabled', 'the endpoint is disabled', null, 0);

    const body = deliveryBody(row);
    const headers = { 'content-type': 'application/json', 'user-agent': 'Greenlight-Webhooks/1.0', ...signWebhook(row.id, body, target.secrets) };
    let status: number | null = null;
    let error: string | null = null;
    let retryAfterMs: number | null = null;
    let latency = 0;
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
      status = res.status;
      latency = Math.round(res.latency_ms);
      if (status < 200 || status > 299) {
        error = `HTTP ${status}`;
        retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      }
    } catch (err) {
      latency = Math.round(performance.now() - started);
      error = err instanceof OutboundError ? `${err.kind}: ${err.message}` : `network: ${(err as Error).message}`;
      if (err instanceof OutboundError && (err.kind === 'blocked_address' || err.kind === 'invalid_url')) {
        // The URL is refused by policy: retrying cannot help.
        return this.kill(row, 'blocked_address', error, null, latency);
      }
    }

    if (error === null) {
      // Attempt log, delivered state and (only when it changes) the endpoint's health, in one statement.
      await this.db.query(
        `WITH attempt AS (
           INSERT INTO webhook_delivery_attempts (outbox_id, endpoint_id, org_id, attempt, outcome, status_code, latency_ms) VALUES ($1, $2, $3, $4, 'delivered', $5, $6)),
         endpoint AS (
           UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL, last_success_at = now()
           WHERE id = $2 AND (consecutive_failures > 0 OR last_success_at IS NULL OR last_success_at < now() - interval '1 minute'))
         UPDATE notification_outbox SET status = 'delivered', delivered_at = now(), last_status_code = $5, last_error = NULL, updated_at = now() WHERE id = $1`,
        [row.id, row.endpoint_id, row.org_id, row.attempts, status, latency],
      );
      return { delivery_id: row.id, outcome: 'delivered', attempt: row.attempts, status_code: status, latency_ms: latency, error: null, next_attempt_at: null };
    }
    if (status === 410) {
      await this.disableEndpoint(row, 'the receiver answered 410 Gone');
      return this.kill(row, 'gone', error, status, latency);
    }
    await this.endpointFailed(row);
    const schedule = this.config.get('WEBHOOK_RETRY_SCHEDULE_MS');
    if (row.attempts > schedule.length) return this.kill(row, 'retries_exhausted', error, status, latency);

    const delay = Math.max(schedule[row.attempts - 1], Math.min(retryAfterMs ?? 0, this.config.get('WEBHOOK_MAX_RETRY_AFTER_MS')));
    await this.recordAttempt(row, 'failed', status, latency, error);
    const [updated]: [NotificationOutboxEntity[], number] = await this.db.query(
      `UPDATE notification_outbox SET status = 'pending', next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
              last_status_code = $3, last_error = $4, updated_at = now()
       WHERE id = $1 AND status = 'sending' RETURNING id, org_id, round, attempts, next_attempt_at`,
      [row.id, delay, status, error],
    );
    if (updated[0]) await this.outbox.dispatch([updated[0] as unknown as OutboxRef], delay);
    return {
      delivery_id: row.id,
      outcome: 'retrying',
      attempt: row.attempts,
      status_code: status,
      latency_ms: latency,
      error,
      next_attempt_at: updated[0]?.next_attempt_at ?? null,
    };
  }

  /**
   * Enqueues rows that are due (by a grace period) but were never picked up — their process died
   * between commit and enqueue, or mid-attempt — and returns how many it found.
   */
  async sweep(limit = 1000): Promise<number> {
    const rows: OutboxRef[] = await this.db.query(
      `SELECT id, org_id, round, attempts FROM notification_outbox
       WHERE (status = 'pending' AND next_attempt_at < now() - interval '5 seconds')
          OR (status = 'sending' AND last_attempt_at < now() - make_interval(secs => $1))
       ORDER BY next_attempt_at LIMIT $2`,
      [this.leaseSeconds, limit],
    );
    await this.outbox.dispatch(rows);
    return rows.length;
  }

  private target(row: ClaimedRow): { url: string; secrets: string[] } | null {
    if (!row.endpoint_id) {
      const secret = this.config.get('NOTIFY_WEBHOOK_SECRET');
      return { url: row.target_url, secrets: secret ? [secret] : [] };
    }
    if (!row.endpoint_enabled || !row.endpoint_url || !row.endpoint_secret) return null;
    return { url: row.endpoint_url, secrets: row.endpoint_previous_secret ? [row.endpoint_secret, row.endpoint_previous_secret] : [row.endpoint_secret] };
  }

  private async kill(row: NotificationOutboxEntity, reason: DeadReason, error: string, status: number | null, latency: number): Promise<AttemptResult> {
    await this.recordAttempt(row, 'failed', status, latency, error);
    await this.db.query(
      `UPDATE notification_outbox SET status = 'dead', dead_reason = $2, last_error = $3, last_status_code = $4, updated_at = now() WHERE id = $1`,
      [row.id, reason, error, status],
    );
    return { delivery_id: row.id, outcome: 'dead', attempt: row.attempts, status_code: status, latency_ms: latency, error, next_attempt_at: null };
  }

  private async recordAttempt(
    row: NotificationOutboxEntity,
    outcome: 'delivered' | 'failed',
    status: number | null,
    latency: number,
    error: string | null,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO webhook_delivery_attempts (outbox_id, endpoint_id, org_id, attempt, outcome, status_code, latency_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [row.id, row.endpoint_id, row.org_id, row.attempts, outcome, status, latency, error?.slice(0, 1000) ?? null],
    );
  }

  private async endpointFailed(row: NotificationOutboxEntity): Promise<void> {
    if (!row.endpoint_id) return;
    const [rows]: [{ failing_since: Date; consecutive_failures: number }[], number] = await this.db.query(
      `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, now())
       WHERE id = $1 AND enabled RETURNING failing_since, consecutive_failures`,
      [row.endpoint_id],
    );
    const e = rows[0];
    if (e && Date.now() - new Date(e.failing_since).getTime() > this.config.get('WEBHOOK_DISABLE_AFTER_MS')) {
      await this.disableEndpoint(row, `every delivery failed since ${new Date(e.failing_since).toISOString()} (${e.consecutive_failures} attempts)`);
    }
  }

  private async disableEndpoint(row: NotificationOutboxEntity, reason: string): Promise<void> {
    if (!row.endpoint_id) return;
    await this.db.transaction(async (m) => {
      const [rows] = await m.query(
        `UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), disabled_reason = $2, updated_at = now() WHERE id = $1 AND enabled RETURNING id, url`,
        [row.endpoint_id, reason],
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

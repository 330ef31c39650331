import type { NotificationOutboxEntity } from '@greenlight/database';

/**
 * The time rules of webhook delivery, as plain functions of "now" (the injected Clock's time), so
 * they read the same in the worker, in the API's test sends and in tests that move the clock.
 */

/** How much earlier than its due time a pending delivery may be claimed (a delayed job may fire a little early). */
export const CLAIM_EARLY_MS = 1000;
/** A pending delivery due longer ago than this and still not sent has lost its job: the sweeper enqueues it again. */
export const SWEEP_GRACE_MS = 5000;
/** An endpoint's last success is written at most this often while it keeps succeeding (saves a write per delivery). */
export const SUCCESS_WRITE_INTERVAL_MS = 60_000;

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

/** Seconds or an HTTP date → milliseconds from `nowMs`; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * The wait before the next attempt after failed attempt number `attempt` (1-based): the schedule's
 * step, or the receiver's Retry-After when it asks for longer (never more than `maxRetryAfterMs`).
 * Null once the schedule has run out: the delivery is dead.
 */
export function retryDelayMs(schedule: readonly number[], attempt: number, retryAfterMs: number | null, maxRetryAfterMs: number): number | null {
  if (attempt > schedule.length) return null;
  return Math.max(schedule[attempt - 1], Math.min(retryAfterMs ?? 0, maxRetryAfterMs));
}

/** Has an endpoint failed every delivery for longer than the disable window? */
export function failedTooLong(failingSince: Date | string, nowMs: number, disableAfterMs: number): boolean {
  return nowMs - new Date(failingSince).getTime() > disableAfterMs;
}

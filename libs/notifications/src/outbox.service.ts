import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { WebhookEventType } from '@greenlight/contracts';
import { Clock } from '@greenlight/platform';
import { JobProducer } from '@greenlight/queue';

export interface NotificationEvent {
  org_id: string;
  event_type: WebhookEventType;
  data: Record<string, unknown>;
}

/** A row recorded in the outbox: what `dispatch` needs to enqueue its delivery job. */
export interface OutboxRef {
  id: string;
  org_id: string;
  round: number;
  attempts: number;
}

/** One job id per delivery attempt: re-adding the same attempt is a no-op, a later attempt is a new job. */
export const deliverJobId = (ref: Pick<OutboxRef, 'id' | 'round' | 'attempts'>) => `deliver-${ref.id}-${ref.round}-${ref.attempts}`;

/**
 * The transactional outbox. `record` inserts one row per (event, endpoint that wants it) in the
 * caller's transaction, so a notification exists exactly when the business change that caused it
 * committed; `dispatch` enqueues the delivery jobs after the commit. If the process dies in between,
 * the worker's sweeper finds the rows that are due and have no job.
 */
@Injectable()
export class NotificationOutbox {
  private readonly logger = new Logger('NotificationOutbox');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Records `event` for the org's enabled endpoints that subscribe to it, and for the platform endpoint.
   * The rows are due now by the Clock, the time every delivery rule reads.
   */
  async record(manager: EntityManager, event: NotificationEvent, onlyEndpointId?: string): Promise<OutboxRef[]> {
    const eventId = randomUUID();
    const data = JSON.stringify(event.data);
    const due = this.clock.date();
    const refs: OutboxRef[] = await manager.query(
      `INSERT INTO notification_outbox (id, event_id, org_id, endpoint_id, target_url, event_type, data, next_attempt_at)
       SELECT gen_random_uuid(), $1, e.org_id, e.id, e.url, $3, $4::jsonb, $6 FROM webhook_endpoints e
       WHERE e.org_id = $2 AND ($5::uuid IS NULL OR e.id = $5) AND (e.enabled OR $5::uuid IS NOT NULL)
         AND ($5::uuid IS NOT NULL OR cardinality(e.event_types) = 0 OR $3 = ANY (e.event_types))
       RETURNING id, org_id, round, attempts`,
      [eventId, event.org_id, event.event_type, data, onlyEndpointId ?? null, due],
    );
    const platformUrl = this.config.get('NOTIFY_WEBHOOK_URL');
    const platformEvents = this.config.get('NOTIFY_WEBHOOK_EVENTS');
    if (!onlyEndpointId && platformUrl && (platformEvents.length === 0 || platformEvents.includes(event.event_type))) {
      const platform: OutboxRef[] = await manager.query(
        `INSERT INTO notification_outbox (id, event_id, org_id, endpoint_id, target_url, event_type, data, next_attempt_at)
         VALUES (gen_random_uuid(), $1, $2, NULL, $3, $4, $5::jsonb, $6) RETURNING id, org_id, round, attempts`,
        [eventId, event.org_id, platformUrl, event.event_type, data, due],
      );
      refs.push(...platform);
    }
    return refs;
  }

  /** Enqueues one delivery job per row. Never throws: a row left without a job is the sweeper's. */
  async dispatch(refs: OutboxRef[], delayMs = 0): Promise<void> {
    if (refs.length === 0) return;
    try {
      await this.producer.enqueueBulk(
        refs.map((ref) => ({
          name: 'notify.deliver' as const,
          data: { outbox_id: ref.id, org_id: ref.org_id },
          opts: { jobId: deliverJobId(ref), delay: delayMs > 0 ? delayMs : undefined, removeOnComplete: true, removeOnFail: true },
        })),
      );
    } catch (err) {
      this.logger.warn(`could not enqueue ${refs.length} deliveries (the sweeper will): ${(err as Error).message}`);
    }
  }

  /** Runs `work` in a transaction whose `emit` records events; their deliveries are enqueued after the commit. */
  async withEvents<T>(work: (manager: EntityManager, emit: (event: NotificationEvent) => Promise<OutboxRef[]>) => Promise<T>): Promise<T> {
    const refs: OutboxRef[] = [];
    const result = await this.db.transaction((manager) =>
      work(manager, async (event) => {
        const recorded = await this.record(manager, event);
        refs.push(...recorded);
        return recorded;
      }),
    );
    await this.dispatch(refs);
    return result;
  }
}

import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'dead';

/** An org's webhook endpoint. `secret` signs deliveries; it is shown once and never returned again. */
@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'text' }) url: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'text', array: true, default: '{}' }) event_types: string[];
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ type: 'text' }) secret: string;
  @Column({ type: 'text', nullable: true }) previous_secret: string | null;
  @Column({ type: 'timestamptz', nullable: true }) previous_secret_expires_at: Date | null;
  @Column({ type: 'text', nullable: true }) disabled_reason: string | null;
  @Column({ type: 'timestamptz', nullable: true }) disabled_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) failing_since: Date | null;
  @Column({ type: 'integer', default: 0 }) consecutive_failures: number;
  @Column({ type: 'timestamptz', nullable: true }) last_success_at: Date | null;
  @Column({ type: 'uuid', nullable: true }) created_by_key_id: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at: Date;
}

/** One event for one endpoint (the transactional outbox); `id` is the delivery id receivers dedupe on. */
@Entity({ name: 'notification_outbox' })
export class NotificationOutboxEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'uuid' }) event_id: string;
  @Column({ type: 'uuid' }) org_id: string;
  /** Null: the platform endpoint of NOTIFY_WEBHOOK_URL. */
  @Column({ type: 'uuid', nullable: true }) endpoint_id: string | null;
  @Column({ type: 'text' }) target_url: string;
  @Column({ type: 'text' }) event_type: string;
  @Column({ type: 'jsonb' }) data: Record<string, unknown>;
  @Column({ type: 'text' }) status: OutboxStatus;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ type: 'integer' }) round: number;
  @Column({ type: 'timestamptz' }) next_attempt_at: Date;
  @Column({ type: 'timestamptz', nullable: true }) last_attempt_at: Date | null;
  @Column({ type: 'integer', nullable: true }) last_status_code: number | null;
  @Column({ type: 'text', nullable: true }) last_error: string | null;
  @Column({ type: 'text', nullable: true }) dead_reason: string | null;
  @Column({ type: 'timestamptz', nullable: true }) delivered_at: Date | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'timestamptz' }) updated_at: Date;
}

/** One HTTP attempt of a delivery. */
@Entity({ name: 'webhook_delivery_attempts' })
export class WebhookDeliveryAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'uuid' }) outbox_id: string;
  @Column({ type: 'uuid', nullable: true }) endpoint_id: string | null;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'integer' }) attempt: number;
  @Column({ type: 'text' }) outcome: 'delivered' | 'failed';
  @Column({ type: 'integer', nullable: true }) status_code: number | null;
  @Column({ type: 'integer' }) latency_ms: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}

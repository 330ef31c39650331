import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What happened: a maintenance run failed as stale or orphaned, a schedule trigger, an anomaly alert. */
export type MaintenanceEventAction = 'run_reaped' | 'run_orphaned' | 'schedule_triggered' | 'anomaly_notified';
/** `api`: an admin's request (`request_id`, `api_key_id`); `worker`: the worker's scheduled maintenance. */
export type MaintenanceEventSource = 'api' | 'worker';

/** One entry of the maintenance events ledger. */
@Entity({ name: 'queue_maintenance_events' })
export class QueueMaintenanceEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid', nullable: true }) run_id: string | null;
  @Column({ type: 'text' }) action: MaintenanceEventAction;
  /** What came of it: `run_failed` (reaped, orphaned), `executed` / `deduped` (trigger), `sent` / `failed` / `suppressed` / `skipped` / `dry_run` (alert). */
  @Column({ type: 'text' }) outcome: string;
  @Column({ type: 'text', nullable: true }) schedule_name: string | null;
  @Column({ type: 'text' }) source: MaintenanceEventSource;
  @Column({ type: 'uuid', nullable: true }) api_key_id: string | null;
  @Column({ type: 'text', nullable: true }) request_id: string | null;
  @Column({ type: 'jsonb' }) details: Record<string, unknown>;
  @Column({ type: 'timestamptz' }) created_at: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type MaintenanceRunStatus = 'running' | 'completed' | 'failed';
export type MaintenanceTrigger = 'api' | 'schedule';

/** An org's queue maintenance policy; orgs without one use the platform defaults. */
@Entity({ name: 'queue_maintenance_policies' })
export class QueueMaintenancePolicyEntity {
  @PrimaryColumn({ type: 'uuid' }) org_id: string;
  @Column({ type: 'integer' }) stale_run_seconds: number;
  @Column({ type: 'integer' }) max_runtime_seconds: number;
  @Column({ type: 'integer' }) retention_days: number;
  @Column({ type: 'integer' }) reap_limit: number;
  @Column({ type: 'integer' }) prune_limit: number;
  @Column({ type: 'boolean' }) schedule_enabled: boolean;
  @Column({ type: 'boolean' }) schedule_alert_enabled: boolean;
  @Column({ type: 'double precision' }) schedule_alert_dedupe_hit_rate_threshold: number;
  @Column({ type: 'double precision' }) schedule_alert_min_execution_success_rate: number;
  @Column({ type: 'integer' }) schedule_alert_cooldown_minutes: number;
  @Column({ type: 'uuid', nullable: true }) updated_by_key_id: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at: Date;
}

/** One maintenance run (reap + prune) in the ledger. */
@Entity({ name: 'queue_maintenance_runs' })
export class QueueMaintenanceRunEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'text' }) status: MaintenanceRunStatus;
  @Column({ type: 'boolean' }) dry_run: boolean;
  @Column({ type: 'text' }) trigger: MaintenanceTrigger;
  @Column({ type: 'text', nullable: true }) schedule_name: string | null;
  @Column({ type: 'text', nullable: true }) dedupe_key: string | null;
  @Column({ type: 'timestamptz', nullable: true }) window_started_at: Date | null;
  @Column({ type: 'jsonb' }) policy: Record<string, unknown>;
  @Column({ type: 'jsonb', nullable: true }) reap_summary: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) prune_summary: Record<string, unknown> | null;
  @Column({ type: 'text', nullable: true }) error_message: string | null;
  @Column({ type: 'uuid', nullable: true }) requested_by_key_id: string | null;
  @Column({ type: 'timestamptz' }) started_at: Date;
  @Column({ type: 'timestamptz', nullable: true }) completed_at: Date | null;
  @Column({ type: 'integer', nullable: true }) duration_ms: number | null;
  /** Renewed by the process running the run; once past, a running run is orphaned (its process died). */
  @Column({ type: 'timestamptz' }) lease_expires_at: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { RunConfig } from '@greenlight/contracts';
import type { RunType } from './eval-template.entity';

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

@Entity({ name: 'eval_runs' })
export class EvalRunEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'uuid' }) golden_set_id: string;
  @Column({ type: 'uuid', nullable: true }) template_id: string | null;
  @Column({ type: 'text', default: '' }) name: string;
  @Column({ type: 'enum', enumName: 'run_type', enum: ['standard', 'regression', 'smoke', 'calibration'] }) run_type: RunType;
  @Column({ type: 'enum', enumName: 'run_status', enum: ['pending', 'running', 'completed', 'failed', 'cancelled'] }) status: RunStatus;
  /** Frozen at creation: judge, executor, profile snapshot, golden set version and case cut-off. */
  @Column({ type: 'jsonb' }) config: RunConfig;
  /** SHA-256 of the frozen judge and profile snapshot: runs judged alike share it. Null on runs created before it existed. */
  @Column({ type: 'text', nullable: true }) judge_config_hash: string | null;
  @Column({ type: 'jsonb', default: {} }) design_context: Record<string, unknown>;
  @Column({ type: 'integer' }) total_cases: number;
  @Column({ type: 'integer', default: 0 }) completed_cases: number;
  @Column({ type: 'text', nullable: true }) failure_code: string | null;
  @Column({ type: 'text', nullable: true }) failure_reason: string | null;
  @Column({ type: 'timestamptz', nullable: true }) started_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) completed_at: Date | null;
  /** Incremented by every start: jobs carry it, so jobs of an earlier start are ignored. */
  @Column({ type: 'integer', default: 0 }) queue_epoch: number;
  @Column({ type: 'uuid', nullable: true }) created_by_key_id: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at: Date;
}

@Entity({ name: 'eval_run_events' })
export class EvalRunEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'uuid' }) run_id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'text' }) event_type: string;
  @Column({ type: 'jsonb', default: {} }) details: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}

import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type CalibrationSource = 'labels' | 'reviews';

/** How well a run's judge agreed with human labels of its cases, and which judge configuration that was. */
@Entity({ name: 'calibration_runs' })
export class CalibrationRunEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'uuid' }) run_id: string;
  @Column({ type: 'text', nullable: true }) judge_config_hash: string | null;
  @Column({ type: 'text' }) source: CalibrationSource;
  @Column({ type: 'integer' }) case_count: number;
  @Column({ type: 'jsonb' }) agreement: Record<string, unknown>;
  @Column({ type: 'jsonb' }) kappa: Record<string, unknown>;
  @Column({ type: 'jsonb' }) labels: unknown[];
  @Column({ type: 'uuid', nullable: true }) created_by_key_id: string | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type GoldenSetSourceFormat = 'json' | 'csv' | 'jsonl' | 'xlsx';

@Entity({ name: 'golden_sets' })
export class GoldenSetEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  /** Bumped whenever the set's active cases change (a case superseded). */
  @Column({ type: 'integer', default: 1 }) version: number;
  @Column({ type: 'text' }) source_format: GoldenSetSourceFormat;
  @Column({ type: 'text', nullable: true }) source_filename: string | null;
  @Column({ type: 'uuid', nullable: true }) created_by_key_id: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { AGENT_TYPES, type AgentType } from '@greenlight/contracts';

export type RunType = 'standard' | 'regression' | 'smoke' | 'calibration';

@Entity({ name: 'eval_templates' })
export class EvalTemplateEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'enum', enumName: 'agent_type', enum: AGENT_TYPES })
  agent_type: AgentType;
  @Column({ type: 'enum', enumName: 'run_type', enum: ['standard', 'regression', 'smoke', 'calibration'] }) run_type: RunType;
  @Column({ type: 'uuid', nullable: true }) golden_set_id: string | null;
  @Column({ type: 'jsonb', default: {} }) config: Record<string, unknown>;
  @Column({ type: 'jsonb', default: {} }) design_context: Record<string, unknown>;
  @Column({ type: 'uuid', nullable: true }) created_by_key_id: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { AGENT_TYPES, type AgentType } from '@greenlight/contracts';

export interface ProfileDimension {
  key: string;
  name: string;
  description: string;
  weight: number;
  required: boolean;
}

export interface ProfileScoringScale {
  /** Scale of each criteria dimension score. */
  criteria: { type: 'likert'; min: number; max: number };
  /** Scale of the overall quality score of a result. */
  quality: { type: 'likert'; min: number; max: number };
  /** Answer and source correctness are pass/fail. */
  answer: { type: 'binary'; values: string[] };
  source: { type: 'binary'; values: string[] };
  /** Quality score at or above which a result counts as passing. */
  pass_threshold: number;
}

@Entity({ name: 'eval_profiles' })
export class EvalProfileEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null for built-in profiles, which every org can read. */
  @Column({ type: 'uuid', nullable: true })
  org_id: string | null;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'enum', enumName: 'agent_type', enum: AGENT_TYPES })
  agent_type: AgentType;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'jsonb' })
  dimensions: ProfileDimension[];

  @Column({ type: 'jsonb' })
  scoring_scale: ProfileScoringScale;

  @Column({ type: 'text', array: true })
  issue_tags: string[];

  @Column({ type: 'boolean', default: false })
  is_builtin: boolean;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A case's content never changes after insert: superseding makes a new row and retires the old one. */
@Entity({ name: 'golden_set_cases' })
export class GoldenSetCaseEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) golden_set_id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'integer' }) position: number;
  @Column({ type: 'text', nullable: true }) external_id: string | null;
  @Column({ type: 'text' }) input: string;
  @Column({ type: 'enum', enumName: 'evaluation_mode', enum: ['answer', 'criteria'] }) evaluation_mode: 'answer' | 'criteria';
  @Column({ type: 'text', nullable: true }) expected_answer: string | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) expected_sources: string[];
  @Column({ type: 'text', nullable: true }) criteria: string | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) dimensions: string[];
  @Column({ type: 'enum', enumName: 'case_difficulty', enum: ['easy', 'medium', 'hard'] }) difficulty: 'easy' | 'medium' | 'hard';
  @Column({ type: 'enum', enumName: 'scenario_type', enum: ['happy_path', 'edge_case', 'adversarial', 'regression'] })
  scenario_type: 'happy_path' | 'edge_case' | 'adversarial' | 'regression';
  @Column({ type: 'text' }) capability: string;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) tags: string[];
  @Column({ type: 'integer', default: 1 }) version: number;
  @Column({ type: 'boolean', default: true }) is_active: boolean;
  @Column({ type: 'uuid', nullable: true }) superseded_by: string | null;
  @Column({ type: 'timestamptz', nullable: true }) superseded_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) verified_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) last_reviewed_at: Date | null;
  @Column({ type: 'text', nullable: true }) review_notes: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}

@Entity({ name: 'golden_set_case_reviews' })
export class GoldenSetCaseReviewEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) case_id: string;
  @Column({ type: 'uuid' }) golden_set_id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'text' }) action: 'verified' | 'superseded';
  @Column({ type: 'text', nullable: true }) notes: string | null;
  @Column({ type: 'uuid', nullable: true }) reviewer_key_id: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}

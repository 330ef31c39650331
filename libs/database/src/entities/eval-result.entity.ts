import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

const numeric = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

@Entity({ name: 'eval_results' })
export class EvalResultEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) run_id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) case_id: string;
  /** Which of the run's repeated executions of the case this is (1 to the run's `trials`). */
  @Column({ type: 'smallint', default: 1 }) trial: number;
  @Column({ type: 'enum', enumName: 'evaluation_mode', enum: ['answer', 'criteria'] }) evaluation_mode: 'answer' | 'criteria';
  @Column({ type: 'enum', enumName: 'result_status', enum: ['scored', 'error'] }) status: 'scored' | 'error';
  @Column({ type: 'text', nullable: true }) actual_output: string | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) actual_sources: string[];
  @Column({ type: 'boolean', nullable: true }) answer_correct: boolean | null;
  @Column({ type: 'boolean', nullable: true }) source_correct: boolean | null;
  @Column({ type: 'numeric', precision: 6, scale: 2, nullable: true, transformer: numeric }) quality_score: number | null;
  @Column({ type: 'jsonb', nullable: true }) criteria_scores: Record<string, number> | null;
  @Column({ type: 'boolean', nullable: true }) passed: boolean | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) issue_tags: string[];
  @Column({ type: 'text', nullable: true }) judge_reasoning: string | null;
  @Column({ type: 'text', nullable: true }) error_code: string | null;
  @Column({ type: 'text', nullable: true }) error_message: string | null;
  @Column({ type: 'integer', default: 0 }) latency_ms: number;
  @Column({ type: 'jsonb', default: {} }) notes: Record<string, unknown>;
  /** A person's review of the judge's verdict; the judge's own values above are never changed by it. */
  @Column({ type: 'text', default: 'unreviewed' }) review_status: ResultReviewStatus;
  @Column({ type: 'uuid', nullable: true }) reviewed_by_key_id: string | null;
  @Column({ type: 'timestamptz', nullable: true }) reviewed_at: Date | null;
  @Column({ type: 'text', nullable: true }) review_reason: string | null;
  /** The reviewer's scores, only for an overridden result; fields left out keep the judge's value. */
  @Column({ type: 'jsonb', nullable: true }) review_override: ResultReviewOverride | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}

export type ResultReviewStatus = 'unreviewed' | 'accepted' | 'overridden';

export interface ResultReviewOverride {
  answer_correct?: boolean;
  source_correct?: boolean;
  quality_score?: number;
  criteria_scores?: Record<string, number>;
}

@Entity({ name: 'eval_run_artifacts' })
export class EvalRunArtifactEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) run_id: string;
  @Column({ type: 'uuid' }) result_id: string;
  @Column({ type: 'uuid' }) case_id: string;
  @Column({ type: 'smallint', default: 1 }) trial: number;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'enum', enumName: 'evaluation_mode', enum: ['answer', 'criteria'] }) evaluation_mode: 'answer' | 'criteria';
  @Column({ type: 'text' }) judge_mode: string;
  @Column({ type: 'text', nullable: true }) judge_model: string | null;
  @Column({ type: 'text' }) judge_prompt_version: string;
  @Column({ type: 'text' }) judge_prompt_hash: string;
  @Column({ type: 'text' }) executor_mode: string;
  @Column({ type: 'integer', default: 0 }) case_latency_ms: number;
  @Column({ type: 'integer', default: 0 }) execution_latency_ms: number;
  @Column({ type: 'integer', default: 0 }) judge_latency_ms: number;
  @Column({ type: 'jsonb', nullable: true }) token_usage: Record<string, number> | null;
  /** Estimated US dollars of the judge call (0: deterministic judge or cache hit; null: no price for the model). */
  @Column({ type: 'numeric', precision: 14, scale: 6, nullable: true, transformer: numeric }) judge_cost_usd: number | null;
  @Column({ type: 'jsonb', nullable: true }) judge_input: unknown;
  @Column({ type: 'jsonb', nullable: true }) judge_output: unknown;
  @Column({ type: 'jsonb', default: {} }) execution_trace: Record<string, unknown>;
  @Column({ type: 'boolean', default: false }) cache_hit: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}

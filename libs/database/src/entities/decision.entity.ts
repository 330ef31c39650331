import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type PatternStatus = 'open' | 'in_progress' | 'fixed' | 'verifying' | 'resolved';
export type PatternPriority = 'low' | 'medium' | 'high' | 'critical';

/** One entry of a pattern's status history. */
export interface PatternStatusChange {
  from: PatternStatus | null;
  to: PatternStatus;
  at: string;
  by_key_id: string | null;
  note: string | null;
  forced: boolean;
}

/** A problem of an agent, tracked from open to resolved. */
@Entity({ name: 'issue_patterns' })
export class IssuePatternEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'text' }) title: string;
  @Column({ type: 'text' }) description: string;
  @Column({ type: 'text' }) status: PatternStatus;
  @Column({ type: 'text' }) priority: PatternPriority;
  @Column({ type: 'text', nullable: true }) owner: string | null;
  @Column({ type: 'text', nullable: true }) root_cause: string | null;
  @Column({ type: 'text', nullable: true }) suggested_fix: string | null;
  @Column({ type: 'text', array: true }) tags: string[];
  /** What raised it, e.g. `regression_compare` for a pattern opened by a compare. */
  @Column({ type: 'text', nullable: true }) primary_tag: string | null;
  @Column({ type: 'uuid', array: true }) linked_case_ids: string[];
  @Column({ type: 'jsonb', nullable: true }) verification: Record<string, unknown> | null;
  @Column({ type: 'jsonb' }) metadata: Record<string, unknown>;
  @Column({ type: 'jsonb' }) status_history: PatternStatusChange[];
  @Column({ type: 'timestamptz', nullable: true }) resolved_date: Date | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'timestamptz' }) updated_at: Date;
}

export type CompareVerdict = 'regressed' | 'improved' | 'no_significant_change' | 'inconclusive';

/** A stored compare of a baseline and a candidate run: the evidence a promotion relies on. */
@Entity({ name: 'eval_compares' })
export class EvalCompareEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'uuid' }) baseline_run_id: string;
  @Column({ type: 'uuid' }) candidate_run_id: string;
  @Column({ type: 'text' }) mode: 'direct' | 'reference';
  @Column({ type: 'text', nullable: true }) baseline_ref: string | null;
  @Column({ type: 'text', nullable: true }) candidate_ref: string | null;
  @Column({ type: 'integer' }) compared_case_count: number;
  @Column({ type: 'integer' }) unpaired_case_count: number;
  @Column({ type: 'integer' }) regression_count: number;
  @Column({ type: 'integer' }) improvement_count: number;
  @Column({ type: 'text' }) verdict: CompareVerdict;
  @Column({ type: 'double precision' }) alpha: number;
  @Column({ type: 'jsonb' }) deltas: Record<string, unknown>;
  @Column({ type: 'jsonb' }) statistics: Record<string, unknown>;
  /** The whole answer as it was given, so a stored compare reads back exactly. */
  @Column({ type: 'jsonb' }) body: Record<string, unknown>;
  @Column({ type: 'uuid', nullable: true }) pattern_id: string | null;
  @Column({ type: 'uuid', nullable: true }) api_key_id: string | null;
  @Column({ type: 'text', nullable: true }) request_id: string | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
}

export type RegistryKind = 'baseline' | 'candidate';

/** A named reference to a run of an agent; at most one active one per agent and kind. */
@Entity({ name: 'run_registry' })
export class RunRegistryEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'text' }) kind: RegistryKind;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'uuid' }) run_id: string;
  @Column({ type: 'boolean' }) is_active: boolean;
  @Column({ type: 'text', nullable: true }) notes: string | null;
  @Column({ type: 'uuid', nullable: true }) promoted_from_compare_id: string | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'timestamptz' }) updated_at: Date;
}

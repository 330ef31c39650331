import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ReadinessItemStatus = 'pending' | 'done' | 'waived';

/** One item of a readiness checklist. */
export interface ReadinessItem {
  key: string;
  title: string;
  owner: string | null;
  status: ReadinessItemStatus;
  note: string | null;
}

/** An agent's launch readiness checklist (one per agent). */
@Entity({ name: 'agent_readiness' })
export class AgentReadinessEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'jsonb' }) items: ReadinessItem[];
  @Column({ type: 'integer' }) pending_count: number;
  @Column({ type: 'jsonb', nullable: true }) decision_snapshot: Record<string, unknown> | null;
  @Column({ type: 'uuid', nullable: true }) updated_by_key_id: string | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'timestamptz' }) updated_at: Date;
}

/** An agent's SLO policy (one per agent); `thresholds` holds the policy's fields. */
@Entity({ name: 'slo_policies' })
export class SloPolicyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'jsonb' }) thresholds: Record<string, unknown>;
  @Column({ type: 'integer' }) version: number;
  @Column({ type: 'uuid', nullable: true }) updated_by_key_id: string | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'timestamptz' }) updated_at: Date;
}

export type SloViolationStatus = 'open' | 'resolved';

/** A breach of an SLO policy threshold by a run or a compare. */
@Entity({ name: 'slo_violations' })
export class SloViolationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'uuid' }) policy_id: string;
  @Column({ type: 'integer' }) policy_version: number;
  @Column({ type: 'text' }) metric: string;
  @Column({ type: 'double precision', nullable: true }) observed_value: number | null;
  @Column({ type: 'double precision', nullable: true }) threshold_value: number | null;
  @Column({ type: 'jsonb' }) details: Record<string, unknown>;
  @Column({ type: 'uuid', nullable: true }) source_run_id: string | null;
  @Column({ type: 'uuid', nullable: true }) source_compare_id: string | null;
  @Column({ type: 'text' }) status: SloViolationStatus;
  @Column({ type: 'text', nullable: true }) resolution: 'manual' | 'remediation' | null;
  @Column({ type: 'text', nullable: true }) resolution_reason: string | null;
  @Column({ type: 'uuid', nullable: true }) resolved_by_key_id: string | null;
  @Column({ type: 'timestamptz', nullable: true }) resolved_at: Date | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
}

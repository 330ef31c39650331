import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type LaunchRecordKind = 'decision' | 'certification';
export type LaunchDecision = 'go' | 'no_go' | 'rollback';
export type CertificationStatus = 'certified' | 'blocked';

/**
 * One append-only, hash-chained launch record of an agent: a decision or a certification. Records of
 * an agent are numbered from 1 (`seq`); each stores the hash of its own content, the previous record's
 * hash and the hash of both. The database refuses to update or delete them.
 */
@Entity({ name: 'launch_records' })
export class LaunchRecordEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) org_id: string;
  @Column({ type: 'uuid' }) agent_id: string;
  @Column({ type: 'integer' }) seq: number;
  @Column({ type: 'text' }) kind: LaunchRecordKind;
  /** Decisions only. */
  @Column({ type: 'text', nullable: true }) decision: LaunchDecision | null;
  /** Certifications only. */
  @Column({ type: 'text', nullable: true }) certification_status: CertificationStatus | null;
  /** The launch gate when the record was made. */
  @Column({ type: 'text' }) gate_status: 'pass' | 'blocked';
  @Column({ type: 'text', nullable: true }) reason: string | null;
  /** What the record rests on: the gate with its blockers, and for a certification the whole snapshot. */
  @Column({ type: 'jsonb' }) evidence: Record<string, unknown>;
  @Column({ type: 'uuid', nullable: true }) created_by_key_id: string | null;
  @Column({ type: 'text', nullable: true }) request_id: string | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'char', length: 64 }) content_hash: string;
  @Column({ type: 'char', length: 64 }) prev_hash: string;
  @Column({ type: 'char', length: 64 }) row_hash: string;
}

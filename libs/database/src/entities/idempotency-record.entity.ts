import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'idempotency_records' })
export class IdempotencyRecordEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  api_key_id: string;

  @Column({ type: 'text' })
  idempotency_key: string;

  @Column({ type: 'text' })
  method: string;

  @Column({ type: 'text' })
  path: string;

  /** SHA-256 of method, path and canonical body: a reused key with another payload is refused. */
  @Column({ type: 'text' })
  request_hash: string;

  @Column({ type: 'enum', enumName: 'idempotency_status', enum: ['in_progress', 'completed'] })
  status: 'in_progress' | 'completed';

  @Column({ type: 'integer', nullable: true })
  response_status: number | null;

  @Column({ type: 'jsonb', nullable: true })
  response_body: unknown;

  @Column({ type: 'timestamptz' })
  expires_at: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'api_audit_logs' })
export class ApiAuditLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  request_id: string;

  @Column({ type: 'uuid', nullable: true })
  api_key_id: string | null;

  @Column({ type: 'uuid', nullable: true })
  org_id: string | null;

  @Column({ type: 'text' })
  method: string;

  @Column({ type: 'text' })
  path: string;

  @Column({ type: 'integer' })
  status_code: number;

  @Column({ type: 'integer' })
  latency_ms: number;

  @Column({ type: 'text', nullable: true })
  error_code: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}

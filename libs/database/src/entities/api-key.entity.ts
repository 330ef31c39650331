import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { API_KEY_STATUSES, ROLES, type ApiKeyStatus, type Role } from '@greenlight/contracts';

@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null for a global (platform) key; the database only allows that for admins. */
  @Column({ type: 'uuid', nullable: true })
  org_id: string | null;

  @Column({ type: 'text' })
  name: string;

  /** The visible start of the key, for recognising it in lists and logs. */
  @Column({ type: 'text' })
  key_prefix: string;

  /** Hex SHA-256 of the whole key; the plaintext is never stored. */
  @Column({ type: 'text', select: false })
  key_hash: string;

  @Column({ type: 'enum', enum: ROLES, enumName: 'api_key_role' })
  role: Role;

  @Column({ type: 'enum', enum: API_KEY_STATUSES, enumName: 'api_key_status', default: 'active' })
  status: ApiKeyStatus;

  @Column({ type: 'timestamptz', nullable: true })
  expires_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  last_used_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revoked_at: Date | null;

  /** Per-key override of API_RATE_LIMIT_PER_MINUTE; null uses the platform default. */
  @Column({ type: 'integer', nullable: true })
  rate_limit_per_minute: number | null;

  @Column({ type: 'uuid', nullable: true })
  created_by_key_id: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}
